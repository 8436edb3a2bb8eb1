/* minimal-dbus-service: the yardstick for trainbelld's activation time. The least a libdbus service
 * does: connect to the bus that activated it, own org.trainbell.BenchMinimal1, answer calls (libdbus
 * itself answers org.freedesktop.DBus.Peer.Ping), wait for the next message without polling.
 *
 * Build: cc -O2 -o minimal-dbus-service minimal-dbus-service.c $(pkg-config --cflags --libs dbus-1)
 */
#include <dbus/dbus.h>
#include <stdio.h>

int main(void) {
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *connection = dbus_bus_get(DBUS_BUS_STARTER, &error);
    if (!connection) {
        fprintf(stderr, "minimal-dbus-service: %s\n", error.message);
        return 1;
    }
    int owned = dbus_bus_request_name(connection, "org.trainbell.BenchMinimal1", DBUS_NAME_FLAG_DO_NOT_QUEUE, &error);
    if (owned != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        fprintf(stderr, "minimal-dbus-service: cannot own org.trainbell.BenchMinimal1\n");
        return 2;
    }
    while (dbus_connection_read_write_dispatch(connection, -1)) {}
    return 0;
}
