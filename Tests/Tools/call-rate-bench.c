/* call-rate-bench: how many progress reports a service fully handles per second, and what its memory
 * is after many jobs, for services compared on the same bus by the same client.
 *
 *   call-rate-bench ADDRESS JOBS UPDATES ROUNDS SETTLE_SECONDS SERVICE...
 *   SERVICE: NAME,PATH,INTERFACE,MEMBER  whose MEMBER takes (s id, t current_step, t total_steps)
 *
 * One round, for one service: JOBS × UPDATES calls sent without asking for a reply (the trainer's
 * way: it never waits), the jobs interleaved as concurrent trainers would (update u of job0, of
 * job1, …, then update u + 1), ids job0…job{JOBS-1}, steps rising from round to round over a total
 * of 10^9 (no milestone is crossed, so no notification is sent), then one blocking
 * org.freedesktop.DBus.Peer.Ping to NAME. A bus delivers a connection's messages in order and
 * libdbus answers the Ping when it dispatches it, after every call before it, so the reply says
 * all were handled. rate = calls / (first send → Ping reply).
 * The services take turns within each round (who goes first alternates), so that a change in the
 * machine's load touches them alike. After the first round (JOBS × UPDATES per job) every service
 * is left alone SETTLE_SECONDS (timers such as trainbelld's save run), then its memory is read;
 * again after the last round.
 * With $BENCH_FIGURES set, the figures are also appended there (bench-common.h).
 *
 * Build: cc -O2 -o call-rate-bench call-rate-bench.c $(pkg-config --cflags --libs dbus-1)
 */
#include "bench-common.h"
#include <unistd.h>

struct service {
    char *name, *path, *interface, *member;
    pid_t pid;
    double *rates;
    long settled_rss, settled_anon;
};

static int parse_service(char *spec, struct service *s) {
    s->name = strtok(spec, ",");
    s->path = strtok(NULL, ",");
    s->interface = strtok(NULL, ",");
    s->member = strtok(NULL, ",");
    return s->name && s->path && s->interface && s->member && !strtok(NULL, ",");
}

static int ping(DBusConnection *c, const char *name, DBusError *error) {
    DBusMessage *m = dbus_message_new_method_call(name, "/", "org.freedesktop.DBus.Peer", "Ping");
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, m, 120000, error);
    dbus_message_unref(m);
    if (!reply) return 0;
    dbus_message_unref(reply);
    return 1;
}

/* One round to one service; returns calls per second, or -1. */
static double round_rate(DBusConnection *c, const struct service *s, int jobs, int updates, int round) {
    char id[32];
    const dbus_uint64_t total = 1000000000;
    DBusError error;
    dbus_error_init(&error);
    double t0 = now_ms();
    for (int u = 1; u <= updates; u++) {
        dbus_uint64_t step = (dbus_uint64_t)round * (dbus_uint64_t)updates + (dbus_uint64_t)u;
        for (int j = 0; j < jobs; j++) {
            snprintf(id, sizeof id, "job%d", j);
            const char *text = id;
            DBusMessage *m = dbus_message_new_method_call(s->name, s->path, s->interface, s->member);
            DBusMessageIter args;
            dbus_message_iter_init_append(m, &args);
            dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &text);
            dbus_message_iter_append_basic(&args, DBUS_TYPE_UINT64, &step);
            dbus_message_iter_append_basic(&args, DBUS_TYPE_UINT64, &total);
            dbus_message_set_no_reply(m, TRUE);
            dbus_connection_send(c, m, NULL);
            dbus_message_unref(m);
            /* Bounded memory in the client; the bus pushes back when the service falls behind. */
            if ((j & 255) == 255) dbus_connection_flush(c);
        }
    }
    dbus_connection_flush(c);
    if (!ping(c, s->name, &error)) {
        fprintf(stderr, "call-rate-bench: %s: %s\n", s->name, error.message);
        return -1;
    }
    return (double)jobs * updates / ((now_ms() - t0) / 1e3);
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: call-rate-bench ADDRESS JOBS UPDATES ROUNDS SETTLE_SECONDS NAME,PATH,INTERFACE,MEMBER...\n");
        return 64;
    }
    int jobs = atoi(argv[2]), updates = atoi(argv[3]), rounds = atoi(argv[4]), settle = atoi(argv[5]);
    if (jobs < 1 || updates < 1 || rounds < 1 || settle < 0) {
        fprintf(stderr, "call-rate-bench: JOBS, UPDATES and ROUNDS must be at least 1\n");
        return 64;
    }
    int count = argc - 6;
    struct service *services = calloc((size_t)count, sizeof *services);
    for (int i = 0; i < count; i++) {
        if (!parse_service(argv[6 + i], &services[i])) {
            fprintf(stderr, "call-rate-bench: '%s' is not NAME,PATH,INTERFACE,MEMBER\n", argv[6 + i]);
            return 64;
        }
        services[i].rates = calloc((size_t)rounds, sizeof(double));
    }
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *c = dbus_connection_open_private(argv[1], &error);
    if (!c || !dbus_bus_register(c, &error)) {
        fprintf(stderr, "call-rate-bench: %s\n", error.message);
        return 1;
    }
    /* Started (or activated) before the clock runs. */
    for (int i = 0; i < count; i++) {
        if (!ping(c, services[i].name, &error)) {
            fprintf(stderr, "call-rate-bench: %s: %s\n", services[i].name, error.message);
            return 1;
        }
        services[i].pid = owner_pid(c, services[i].name);
    }
    long calls = (long)jobs * updates;
    printf("%ld calls a round (%d jobs x %d updates, no reply, then one Ping), %d rounds; calls/s:\n", calls, jobs,
           updates, rounds);
    printf("%-28s", "round");
    for (int r = 0; r < rounds; r++) printf(" %9d", r + 1);
    printf(" | %9s\n", "median");
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < count; k++) {
            struct service *s = &services[(r + k) % count];
            s->rates[r] = round_rate(c, s, jobs, updates, r);
            if (s->rates[r] < 0) return 1;
        }
        if (r == 0) {
            sleep((unsigned)settle);
            for (int i = 0; i < count; i++) {
                services[i].settled_rss = status_kb(services[i].pid, "VmRSS");
                services[i].settled_anon = status_kb(services[i].pid, "RssAnon");
            }
        }
    }
    double first = 0;
    for (int i = 0; i < count; i++) {
        struct service *s = &services[i];
        printf("%-28s", s->name);
        for (int r = 0; r < rounds; r++) printf(" %9.0f", s->rates[r]);
        double m = median(s->rates, rounds);
        printf(" | %9.0f", m);
        if (i == 0) first = m;
        else printf("   (%.2fx the first)", m / first);
        printf("\n");
        figure("call_rate", s->name, "%.0f", m);
        figure("call_rate_calls", s->name, "%ld", calls);
        figure("call_rate_rounds", s->name, "%d", rounds);
    }
    printf("memory (VmRSS / RssAnon KiB) %d s after round 1 (%d jobs x %d updates), and after round %d:\n", settle,
           jobs, updates, rounds);
    for (int i = 0; i < count; i++) {
        struct service *s = &services[i];
        long rss = status_kb(s->pid, "VmRSS"), anon = status_kb(s->pid, "RssAnon");
        printf("%-28s %8ld / %-8ld   %8ld / %-8ld\n", s->name, s->settled_rss, s->settled_anon, rss, anon);
        figure("loaded_rss_kib", s->name, "%ld", s->settled_rss);
        figure("loaded_anon_kib", s->name, "%ld", s->settled_anon);
        figure("final_rss_kib", s->name, "%ld", rss);
        figure("loaded_jobs", s->name, "%d", jobs);
        figure("loaded_updates", s->name, "%d", updates);
    }
    dbus_connection_close(c);
    dbus_connection_unref(c);
    return 0;
}
