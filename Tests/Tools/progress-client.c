/* The anchor of `trainbell progress JOB STEP` in make bench-cli: the same call made by a minimal C
 * libdbus client. It connects to the session bus, sends ReportProgress(s job, t step, t total = 0)
 * to trainbelld without expecting a reply, as `trainbell progress` does, flushes and exits.
 * Usage: progress-client JOB STEP */
#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: progress-client JOB STEP\n");
        return 64;
    }
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *connection = dbus_bus_get_private(DBUS_BUS_SESSION, &error);
    if (!connection) {
        fprintf(stderr, "progress-client: %s\n", error.message);
        return 69;
    }
    DBusMessage *call = dbus_message_new_method_call("org.trainbell.TrainBell1", "/org/trainbell/TrainBell1",
                                                     "org.trainbell.TrainBell1", "ReportProgress");
    const char *job = argv[1];
    dbus_uint64_t step = strtoull(argv[2], NULL, 10), total = 0;
    if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &job, DBUS_TYPE_UINT64, &step, DBUS_TYPE_UINT64, &total,
                                           DBUS_TYPE_INVALID)) {
        fprintf(stderr, "progress-client: out of memory\n");
        return 70;
    }
    dbus_message_set_no_reply(call, TRUE);
    dbus_connection_send(connection, call, NULL);
    dbus_connection_flush(connection);
    dbus_message_unref(call);
    dbus_connection_close(connection);
    dbus_connection_unref(connection);
    return 0;
}
