#ifndef TRAINBELL_CMOSQUITTO_SHIM_H
#define TRAINBELL_CMOSQUITTO_SHIM_H
/* The system libmosquitto (Debian libmosquitto-dev) for Swift: the MQTT client trainbelld uses to
   follow a broker. Nothing needs a wrapper: the header is imported as it is. */
#include <mosquitto.h>
#endif
