#include <canberra.h>
#include "lazy.h"
#include "lazy_libraries.h"

static void load_canberra(void);
static struct tb_lazy_library canberra = {"libcanberra.so.0", "libcanberra0 and libcanberra-pulse", load_canberra, PTHREAD_ONCE_INIT, NULL, ""};
static void load_canberra(void) { tb_lazy_load(&canberra); }

const char *tb_lazy_canberra_error(void) {
    return tb_lazy_open(&canberra) ? NULL : canberra.error;
}

#define C(NAME, PARAMS, ARGS) TB_LAZY(canberra, int, NAME, PARAMS, ARGS, CA_ERROR_NOTAVAILABLE)

C(ca_context_create, (ca_context **c), (c))
C(ca_context_destroy, (ca_context *c), (c))
C(ca_context_open, (ca_context *c), (c))
C(ca_context_change_props_full, (ca_context *c, ca_proplist *p), (c, p))
C(ca_context_play_full, (ca_context *c, uint32_t id, ca_proplist *p, ca_finish_callback_t cb, void *userdata), (c, id, p, cb, userdata))
C(ca_context_cancel, (ca_context *c, uint32_t id), (c, id))
C(ca_proplist_create, (ca_proplist **p), (p))
C(ca_proplist_destroy, (ca_proplist *p), (p))
C(ca_proplist_sets, (ca_proplist *p, const char *key, const char *value), (p, key, value))

/* The library's text, or why there is no library. */
const char *ca_strerror(int code) {
    typedef const char *(*tb_fn)(int);
    const char *missing = tb_lazy_canberra_error();
    if (missing) return missing;
    tb_fn f = (tb_fn)dlsym(canberra.handle, "ca_strerror");
    return f ? f(code) : "unknown libcanberra error";
}
