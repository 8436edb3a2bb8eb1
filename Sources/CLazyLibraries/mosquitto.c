#include <mosquitto.h>
#include "lazy.h"
#include "lazy_libraries.h"

static void load_mosquitto(void);
static struct tb_lazy_library mosquitto = {"libmosquitto.so.1", "libmosquitto1", load_mosquitto, PTHREAD_ONCE_INIT, NULL, ""};
static void load_mosquitto(void) { tb_lazy_load(&mosquitto); }

const char *tb_lazy_mosquitto_error(void) {
    return tb_lazy_open(&mosquitto) ? NULL : mosquitto.error;
}

#define M(RET, NAME, PARAMS, ARGS, FAIL) TB_LAZY(mosquitto, RET, NAME, PARAMS, ARGS, FAIL)
#define MV(NAME, PARAMS, ARGS) TB_LAZY_VOID(mosquitto, NAME, PARAMS, ARGS)
#define NS MOSQ_ERR_NOT_SUPPORTED

M(int, mosquitto_lib_init, (void), (), NS)
M(struct mosquitto *, mosquitto_new, (const char *id, bool clean_session, void *obj), (id, clean_session, obj), NULL)
MV(mosquitto_destroy, (struct mosquitto *mosq), (mosq))
M(int, mosquitto_connect_async, (struct mosquitto *mosq, const char *host, int port, int keepalive), (mosq, host, port, keepalive), NS)
M(int, mosquitto_reconnect_async, (struct mosquitto *mosq), (mosq), NS)
M(int, mosquitto_disconnect, (struct mosquitto *mosq), (mosq), NS)
MV(mosquitto_user_data_set, (struct mosquitto *mosq, void *obj), (mosq, obj))
MV(mosquitto_connect_callback_set, (struct mosquitto *mosq, void (*on_connect)(struct mosquitto *, void *, int)), (mosq, on_connect))
MV(mosquitto_log_callback_set, (struct mosquitto *mosq, void (*on_log)(struct mosquitto *, void *, int, const char *)), (mosq, on_log))
MV(mosquitto_connect_with_flags_callback_set, (struct mosquitto *mosq, void (*on_connect)(struct mosquitto *, void *, int, int)),
   (mosq, on_connect))
MV(mosquitto_disconnect_callback_set, (struct mosquitto *mosq, void (*on_disconnect)(struct mosquitto *, void *, int)),
   (mosq, on_disconnect))
MV(mosquitto_publish_callback_set, (struct mosquitto *mosq, void (*on_publish)(struct mosquitto *, void *, int)), (mosq, on_publish))
MV(mosquitto_message_callback_set,
   (struct mosquitto *mosq, void (*on_message)(struct mosquitto *, void *, const struct mosquitto_message *)), (mosq, on_message))
M(int, mosquitto_int_option, (struct mosquitto *mosq, enum mosq_opt_t option, int value), (mosq, option, value), NS)
M(int, mosquitto_loop_misc, (struct mosquitto *mosq), (mosq), NS)
M(int, mosquitto_loop_read, (struct mosquitto *mosq, int max_packets), (mosq, max_packets), NS)
M(int, mosquitto_loop_write, (struct mosquitto *mosq, int max_packets), (mosq, max_packets), NS)
M(int, mosquitto_publish, (struct mosquitto *mosq, int *mid, const char *topic, int payloadlen, const void *payload, int qos, bool retain),
  (mosq, mid, topic, payloadlen, payload, qos, retain), NS)
M(int, mosquitto_subscribe, (struct mosquitto *mosq, int *mid, const char *sub, int qos), (mosq, mid, sub, qos), NS)
M(int, mosquitto_socket, (struct mosquitto *mosq), (mosq), -1)
M(bool, mosquitto_want_write, (struct mosquitto *mosq), (mosq), false)
M(int, mosquitto_tls_set,
  (struct mosquitto *mosq, const char *cafile, const char *capath, const char *certfile, const char *keyfile,
   int (*pw_callback)(char *buf, int size, int rwflag, void *userdata)),
  (mosq, cafile, capath, certfile, keyfile, pw_callback), NS)
M(int, mosquitto_username_pw_set, (struct mosquitto *mosq, const char *username, const char *password), (mosq, username, password), NS)
M(const char *, mosquitto_connack_string, (int connack_code), (connack_code), "libmosquitto is not available")

/* The library's text, or why there is no library. */
const char *mosquitto_strerror(int mosq_errno) {
    typedef const char *(*tb_fn)(int);
    const char *missing = tb_lazy_mosquitto_error();
    if (missing) return missing;
    tb_fn f = (tb_fn)dlsym(mosquitto.handle, "mosquitto_strerror");
    return f ? f(mosq_errno) : "unknown libmosquitto error";
}
