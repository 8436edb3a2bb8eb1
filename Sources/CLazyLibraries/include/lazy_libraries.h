#ifndef TRAINBELL_LAZY_LIBRARIES_H
#define TRAINBELL_LAZY_LIBRARIES_H
/* libmosquitto and libcanberra, loaded (dlopen) the first time trainbelld calls one of their
   functions rather than linked: a trainbelld that follows no broker and plays no sound maps
   neither them nor what they bring (OpenSSL, libvorbis, libltdl, libtdb), so it starts and idles
   as light as before. Swift calls the functions of <mosquitto.h> and <canberra.h> as they are
   (CMosquitto, CCanberra); this target defines each one as a call through the loaded library.
   When a library cannot be loaded, its functions fail with their library's own error code
   (MOSQ_ERR_NOT_SUPPORTED, CA_ERROR_NOTAVAILABLE, NULL from mosquitto_new) and its strerror says why. */

/* NULL once the library is loaded (loading it now if it was not), else why it cannot be. */
const char *tb_lazy_mosquitto_error(void);
const char *tb_lazy_canberra_error(void);

#endif
