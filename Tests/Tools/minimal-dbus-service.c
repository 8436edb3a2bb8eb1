/* minimal-dbus-service: the yardstick for trainbelld. The least a libdbus service does: connect to
 * the bus that activated it, own org.trainbell.BenchMinimal1, answer calls (libdbus itself answers
 * org.freedesktop.DBus.Peer.Ping), wait for the next message without polling.
 *
 * For the call rate (call-rate-bench.c) it also exports /org/trainbell/BenchMinimal1 with the
 * interface org.trainbell.BenchMinimal1 and what a minimal handler of trainbelld's ReportProgress
 * does, so that the two can be compared:
 *   Tick(s id, t current_step, t total_steps)  checks the signature, reads the three arguments, and
 *       updates the entry of `id` in a table (made on its first Tick); answers only when asked to.
 *   Step(s id) -> (t current_step)  what the table holds for `id` (0 if none): the bench checks that
 *       every Tick was handled.
 * Registering the object is local to libdbus (no bus round trip), so the activation time is unchanged.
 *
 * Build: cc -O2 -o minimal-dbus-service minimal-dbus-service.c $(pkg-config --cflags --libs dbus-1)
 */
#include <dbus/dbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTERFACE "org.trainbell.BenchMinimal1"
#define TABLE_SIZE 16384 /* a power of two above trainbelld's 10,000 jobs */

struct entry {
    char *id;
    dbus_uint64_t current, total;
};
static struct entry table[TABLE_SIZE];
static unsigned entries;

/* Open addressing with FNV-1a; NULL when the table is full. */
static struct entry *lookup(const char *id, int create) {
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) h = (h ^ *p) * 16777619u;
    for (unsigned i = 0; i < TABLE_SIZE; i++) {
        struct entry *e = &table[(h + i) & (TABLE_SIZE - 1)];
        if (!e->id) {
            if (!create || entries >= TABLE_SIZE / 2) return NULL;
            e->id = strdup(id);
            entries++;
            return e;
        }
        if (strcmp(e->id, id) == 0) return e;
    }
    return NULL;
}

static DBusHandlerResult reply(DBusConnection *connection, DBusMessage *call, DBusMessage *answer) {
    if (!answer) return DBUS_HANDLER_RESULT_NEED_MEMORY;
    if (!dbus_message_get_no_reply(call)) dbus_connection_send(connection, answer, NULL);
    dbus_message_unref(answer);
    return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult handle(DBusConnection *connection, DBusMessage *call, void *data) {
    (void)data;
    if (dbus_message_is_method_call(call, INTERFACE, "Tick")) {
        if (strcmp(dbus_message_get_signature(call), "stt") != 0)
            return reply(connection, call,
                         dbus_message_new_error(call, DBUS_ERROR_INVALID_ARGS, "Tick takes (stt)"));
        DBusMessageIter args;
        const char *id;
        dbus_uint64_t current, total;
        dbus_message_iter_init(call, &args);
        dbus_message_iter_get_basic(&args, &id);
        dbus_message_iter_next(&args);
        dbus_message_iter_get_basic(&args, &current);
        dbus_message_iter_next(&args);
        dbus_message_iter_get_basic(&args, &total);
        struct entry *e = lookup(id, 1);
        if (!e)
            return reply(connection, call, dbus_message_new_error(call, DBUS_ERROR_LIMITS_EXCEEDED, "table full"));
        if (total > 0) e->total = total;
        e->current = e->total > 0 && current > e->total ? e->total : current;
        return reply(connection, call, dbus_message_new_method_return(call));
    }
    if (dbus_message_is_method_call(call, INTERFACE, "Step")) {
        const char *id;
        if (strcmp(dbus_message_get_signature(call), "s") != 0 ||
            !dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID))
            return reply(connection, call, dbus_message_new_error(call, DBUS_ERROR_INVALID_ARGS, "Step takes (s)"));
        struct entry *e = lookup(id, 0);
        dbus_uint64_t current = e ? e->current : 0;
        DBusMessage *answer = dbus_message_new_method_return(call);
        DBusMessageIter out;
        dbus_message_iter_init_append(answer, &out);
        dbus_message_iter_append_basic(&out, DBUS_TYPE_UINT64, &current);
        return reply(connection, call, answer);
    }
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int main(void) {
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *connection = dbus_bus_get(DBUS_BUS_STARTER, &error);
    if (!connection) {
        fprintf(stderr, "minimal-dbus-service: %s\n", error.message);
        return 1;
    }
    /* The object first, then the name: calls that come with the activation are not lost. */
    static const DBusObjectPathVTable vtable = {.message_function = handle};
    if (!dbus_connection_register_object_path(connection, "/org/trainbell/BenchMinimal1", &vtable, NULL)) {
        fprintf(stderr, "minimal-dbus-service: out of memory\n");
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
