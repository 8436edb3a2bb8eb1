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


/* libcurl, for the sinks (HTTP and SMTP), loaded at the first sink request. curl's setopt, getinfo
   and multi_setopt are variadic, which Swift cannot call: these take the one argument by kind. */
#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK 1
#endif
#include <curl/curl.h>
const char *tb_lazy_curl_error(void);
CURLcode tb_curl_global_init(void);
CURLM *tb_curl_multi_init(void);
CURLMcode tb_curl_multi_cleanup(CURLM *multi);
CURLMcode tb_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode tb_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value);
CURLMcode tb_curl_multi_set_socket_function(CURLM *multi, curl_socket_callback callback);
CURLMcode tb_curl_multi_set_timer_function(CURLM *multi, curl_multi_timer_callback callback);
CURLMcode tb_curl_multi_add_handle(CURLM *multi, CURL *easy);
CURLMcode tb_curl_multi_remove_handle(CURLM *multi, CURL *easy);
CURLMcode tb_curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int events, int *running);
CURLMsg *tb_curl_multi_info_read(CURLM *multi, int *queued);
CURL *tb_curl_easy_init(void);
void tb_curl_easy_cleanup(CURL *easy);
CURLcode tb_curl_easy_setopt_long(CURL *easy, CURLoption option, long value);
CURLcode tb_curl_easy_setopt_pointer(CURL *easy, CURLoption option, const void *value);
CURLcode tb_curl_easy_set_write_function(CURL *easy, curl_write_callback callback);
CURLcode tb_curl_easy_set_read_function(CURL *easy, curl_read_callback callback);
CURLcode tb_curl_easy_set_header_function(CURL *easy, curl_write_callback callback);
CURLcode tb_curl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
CURLcode tb_curl_easy_getinfo_pointer(CURL *easy, CURLINFO info, void **value);
struct curl_slist *tb_curl_slist_append(struct curl_slist *list, const char *string);
void tb_curl_slist_free_all(struct curl_slist *list);
const char *tb_curl_easy_strerror(CURLcode code);
/* The CURLMsg's easy handle and result (a union Swift does not read). */
CURL *tb_curl_message_easy(CURLMsg *message);
CURLcode tb_curl_message_result(CURLMsg *message);
int tb_curl_message_is_done(CURLMsg *message);

#endif
