/* notify-latency-bench: how soon an error reaches the notification server through trainbelld, against
 * the same Notify sent directly by a C client; and a blocking round trip (Peer.Ping) to trainbelld
 * against one to the minimal C service. One process, one clock, one private bus:
 *   - connection S owns org.freedesktop.Notifications: a C notification server that answers at once;
 *   - connection C is the client.
 * Direct: C sends Notify (no reply awaited), S reads until it arrives. trainbelld: C sends
 * ReportError (its reply is read later), S reads until trainbelld's Notify arrives. The two are
 * interleaved, every error distinct (no collapsing), with a pause between rounds.
 * Usage: notify-latency-bench ADDRESS ROUNDS MINIMAL_NAME  (figures to $BENCH_FIGURES, bench-common.h)
 */
#include "bench-common.h"
#include <unistd.h>

static const char *NOTIFICATIONS = "org.freedesktop.Notifications";
static const char *TRAINBELL = "org.trainbell.TrainBell1";
static dbus_uint32_t next_id = 1;
static int notify_seen;

static void reply_strings(DBusConnection *c, DBusMessage *call, const char **values, int count) {
    DBusMessage *reply = dbus_message_new_method_return(call);
    DBusMessageIter it;
    dbus_message_iter_init_append(reply, &it);
    for (int i = 0; i < count; i++) dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &values[i]);
    dbus_connection_send(c, reply, NULL);
    dbus_message_unref(reply);
}

/* The notification server: answers what trainbelld asks, counts Notify calls. */
static DBusHandlerResult serve(DBusConnection *c, DBusMessage *m, void *data) {
    (void)data;
    if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL ||
        !dbus_message_has_interface(m, NOTIFICATIONS))
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    if (dbus_message_has_member(m, "Notify")) {
        notify_seen++;
        DBusMessage *reply = dbus_message_new_method_return(m);
        dbus_uint32_t id = next_id++;
        dbus_message_append_args(reply, DBUS_TYPE_UINT32, &id, DBUS_TYPE_INVALID);
        if (!dbus_message_get_no_reply(m)) dbus_connection_send(c, reply, NULL);
        dbus_message_unref(reply);
    } else if (dbus_message_has_member(m, "GetServerInformation")) {
        const char *info[] = {"bench-c-server", "trainbell", "1.0", "1.2"};
        reply_strings(c, m, info, 4);
    } else if (dbus_message_has_member(m, "GetCapabilities")) {
        DBusMessage *reply = dbus_message_new_method_return(m);
        DBusMessageIter it, array;
        const char *capability = "body";
        dbus_message_iter_init_append(reply, &it);
        dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &array);
        dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &capability);
        dbus_message_iter_close_container(&it, &array);
        dbus_connection_send(c, reply, NULL);
        dbus_message_unref(reply);
    } else {
        DBusMessage *reply = dbus_message_new_method_return(m);
        dbus_connection_send(c, reply, NULL);
        dbus_message_unref(reply);
    }
    return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusConnection *connect_to(const char *address) {
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *c = dbus_connection_open_private(address, &error);
    if (!c || !dbus_bus_register(c, &error)) {
        fprintf(stderr, "notify-latency-bench: cannot connect to %s: %s\n", address, error.message);
        exit(1);
    }
    return c;
}

/* Reads S (and drains C) until a Notify arrives; the time it took in ms, or -1 after 5 s. */
static double wait_for_notify(DBusConnection *s, DBusConnection *c, double start) {
    int before = notify_seen;
    while (notify_seen == before) {
        if (now_ms() - start > 5000) return -1;
        dbus_connection_read_write_dispatch(s, 1);
        while (dbus_connection_get_dispatch_status(s) == DBUS_DISPATCH_DATA_REMAINS && notify_seen == before)
            dbus_connection_dispatch(s);
        dbus_connection_read_write(c, 0);
        while (dbus_connection_get_dispatch_status(c) == DBUS_DISPATCH_DATA_REMAINS) dbus_connection_dispatch(c);
    }
    return now_ms() - start;
}

static double direct_notify(DBusConnection *s, DBusConnection *c, int round) {
    DBusMessage *m = dbus_message_new_method_call(NOTIFICATIONS, "/org/freedesktop/Notifications", NOTIFICATIONS, "Notify");
    char body[64];
    snprintf(body, sizeof body, "CUDA out of memory (round %d)", round);
    const char *app = "bench", *icon = "dialog-error", *summary = "Training Error", *text = body;
    dbus_uint32_t replaces = 0;
    dbus_int32_t timeout = -1;
    DBusMessageIter it, actions, hints;
    dbus_message_iter_init_append(m, &it);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &icon);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &summary);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &text);
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &actions);
    dbus_message_iter_close_container(&it, &actions);
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &hints);
    dbus_message_iter_close_container(&it, &hints);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &timeout);
    double start = now_ms();
    dbus_connection_send(c, m, NULL);
    dbus_connection_flush(c);
    dbus_message_unref(m);
    return wait_for_notify(s, c, start);
}

static double report_error(DBusConnection *s, DBusConnection *c, int round) {
    DBusMessage *m = dbus_message_new_method_call(TRAINBELL, "/org/trainbell/TrainBell1", TRAINBELL, "ReportError");
    char job[32], message[64];
    snprintf(job, sizeof job, "latency-%d", round % 5);
    snprintf(message, sizeof message, "CUDA out of memory (round %d)", round);
    const char *j = job, *text = message, *type = "oom_error", *urgency = "";
    dbus_message_append_args(m, DBUS_TYPE_STRING, &j, DBUS_TYPE_STRING, &text, DBUS_TYPE_STRING, &type,
                             DBUS_TYPE_STRING, &urgency, DBUS_TYPE_INVALID);
    double start = now_ms();
    dbus_connection_send(c, m, NULL);
    dbus_connection_flush(c);
    dbus_message_unref(m);
    return wait_for_notify(s, c, start);
}

static double ping(DBusConnection *c, const char *name) {
    DBusMessage *m = dbus_message_new_method_call(name, "/", "org.freedesktop.DBus.Peer", "Ping");
    double start = now_ms();
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, m, 5000, NULL);
    double elapsed = now_ms() - start;
    dbus_message_unref(m);
    if (!reply) return -1;
    dbus_message_unref(reply);
    return elapsed;
}

static double percentile(double *sorted, int n, double p) {
    int index = (int)(p * (n - 1) + 0.5);
    return sorted[index];
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: notify-latency-bench ADDRESS ROUNDS MINIMAL_NAME\n");
        return 2;
    }
    int rounds = atoi(argv[2]);
    const char *minimal = argv[3];
    DBusConnection *s = connect_to(argv[1]);
    DBusConnection *c = connect_to(argv[1]);
    dbus_connection_add_filter(s, serve, NULL, NULL);
    DBusError error;
    dbus_error_init(&error);
    if (dbus_bus_request_name(s, NOTIFICATIONS, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error) != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        fprintf(stderr, "notify-latency-bench: cannot own %s\n", NOTIFICATIONS);
        return 1;
    }
    /* trainbelld learns of the server (NameOwnerChanged, GetServerInformation, GetCapabilities). */
    double settle = now_ms();
    while (now_ms() - settle < 500) dbus_connection_read_write_dispatch(s, 10);

    double *direct = calloc((size_t)rounds, sizeof *direct), *through = calloc((size_t)rounds, sizeof *through);
    int missed = 0;
    for (int round = -20; round < rounds; round++) {  /* 20 rounds of warm-up */
        double d = direct_notify(s, c, round + 1000000), t = report_error(s, c, round + 1000000);
        if (d < 0 || t < 0) missed++;
        if (round >= 0) { direct[round] = d; through[round] = t; }
        double pause = now_ms();
        while (now_ms() - pause < 2) dbus_connection_read_write_dispatch(s, 1);
    }
    if (missed) {
        fprintf(stderr, "notify-latency-bench: %d Notify calls never reached the server\n", missed);
        return 1;
    }
    double *pd = calloc((size_t)rounds, sizeof *pd), *pt = calloc((size_t)rounds, sizeof *pt);
    for (int i = 0; i < rounds; i++) {
        pt[i] = ping(c, TRAINBELL);
        pd[i] = ping(c, minimal);
        if (pt[i] < 0 || pd[i] < 0) {
            fprintf(stderr, "notify-latency-bench: a Ping was not answered\n");
            return 1;
        }
    }
    median(direct, rounds);
    median(through, rounds);
    double ping_d = median(pd, rounds), ping_t = median(pt, rounds);
    double d50 = percentile(direct, rounds, 0.5), d99 = percentile(direct, rounds, 0.99);
    double t50 = percentile(through, rounds, 0.5), t99 = percentile(through, rounds, 0.99);
    printf("  ReportError → Notify at the server: p50 %.3f ms, p99 %.3f ms; a direct C Notify: p50 %.3f ms, p99 %.3f ms (%d rounds)\n",
           t50, t99, d50, d99, rounds);
    printf("  blocking Peer.Ping round trip p50: trainbelld %.3f ms, C service %.3f ms\n", ping_t, ping_d);
    figure("error_notify_p50_ms", TRAINBELL, "%.4f", t50);
    figure("error_notify_p99_ms", TRAINBELL, "%.4f", t99);
    figure("error_notify_p50_ms", "direct", "%.4f", d50);
    figure("error_notify_p99_ms", "direct", "%.4f", d99);
    figure("ping_p50_ms", TRAINBELL, "%.4f", ping_t);
    figure("ping_p50_ms", minimal, "%.4f", ping_d);
    figure("latency_rounds", TRAINBELL, "%d", rounds);
    return 0;
}
