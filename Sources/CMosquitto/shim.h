#ifndef TRAINBELL_CMOSQUITTO_SHIM_H
#define TRAINBELL_CMOSQUITTO_SHIM_H
/* The system libmosquitto's header (Debian libmosquitto-dev) for Swift: the MQTT client trainbelld
   uses to follow a broker. Nothing needs a wrapper. The library is not linked: CLazyLibraries
   defines these functions and loads libmosquitto.so.1 at the first call. */
#include <mosquitto.h>
#endif
