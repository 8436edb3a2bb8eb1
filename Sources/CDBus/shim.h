#ifndef TRAINBELL_CDBUS_SHIM_H
#define TRAINBELL_CDBUS_SHIM_H
/* libdbus-1 for Swift. Only what Swift cannot call directly gets a wrapper here. */
#include <dbus/dbus.h>
#endif
