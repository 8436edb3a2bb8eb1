/* The plain prototypes, not the macros that type-check setopt's arguments. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include "lazy.h"
#include "lazy_libraries.h"

static void load_curl(void);
static struct tb_lazy_library curl = {"libcurl.so.4", "libcurl4", load_curl, PTHREAD_ONCE_INIT, NULL, ""};
static void load_curl(void) { tb_lazy_load(&curl); }

const char *tb_lazy_curl_error(void) {
    return tb_lazy_open(&curl) ? NULL : curl.error;
}

/* A function of libcurl by its name, looked up once; FAIL when the library cannot be loaded. */
#define FN(NAME, FAIL)                                                       \
    static __typeof__(&NAME) fn;                                             \
    __typeof__(&NAME) f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);            \
    if (!f) {                                                                \
        f = (__typeof__(&NAME))tb_lazy_symbol(&curl, #NAME);                 \
        if (!f) return FAIL;                                                 \
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                          \
    }

CURLcode tb_curl_global_init(void) { FN(curl_global_init, CURLE_FAILED_INIT) return f(CURL_GLOBAL_DEFAULT); }
CURLM *tb_curl_multi_init(void) { FN(curl_multi_init, NULL) return f(); }
CURLMcode tb_curl_multi_cleanup(CURLM *multi) { FN(curl_multi_cleanup, CURLM_INTERNAL_ERROR) return f(multi); }
CURLMcode tb_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    FN(curl_multi_setopt, CURLM_INTERNAL_ERROR) return f(multi, option, value);
}
CURLMcode tb_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    FN(curl_multi_setopt, CURLM_INTERNAL_ERROR) return f(multi, option, value);
}
CURLMcode tb_curl_multi_set_socket_function(CURLM *multi, curl_socket_callback callback) {
    FN(curl_multi_setopt, CURLM_INTERNAL_ERROR) return f(multi, CURLMOPT_SOCKETFUNCTION, callback);
}
CURLMcode tb_curl_multi_set_timer_function(CURLM *multi, curl_multi_timer_callback callback) {
    FN(curl_multi_setopt, CURLM_INTERNAL_ERROR) return f(multi, CURLMOPT_TIMERFUNCTION, callback);
}
CURLMcode tb_curl_multi_add_handle(CURLM *multi, CURL *easy) {
    FN(curl_multi_add_handle, CURLM_INTERNAL_ERROR) return f(multi, easy);
}
CURLMcode tb_curl_multi_remove_handle(CURLM *multi, CURL *easy) {
    FN(curl_multi_remove_handle, CURLM_INTERNAL_ERROR) return f(multi, easy);
}
CURLMcode tb_curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int events, int *running) {
    FN(curl_multi_socket_action, CURLM_INTERNAL_ERROR)
    return f(multi, socket, events, running);
}
CURLMsg *tb_curl_multi_info_read(CURLM *multi, int *queued) {
    FN(curl_multi_info_read, NULL) return f(multi, queued);
}
CURL *tb_curl_easy_init(void) { FN(curl_easy_init, NULL) return f(); }
void tb_curl_easy_cleanup(CURL *easy) {
    static void (*fn)(CURL *);
    void (*f)(CURL *) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (void (*)(CURL *))tb_lazy_symbol(&curl, "curl_easy_cleanup");
        if (!f) return;
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    f(easy);
}
CURLcode tb_curl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    FN(curl_easy_setopt, CURLE_FAILED_INIT) return f(easy, option, value);
}
CURLcode tb_curl_easy_setopt_pointer(CURL *easy, CURLoption option, const void *value) {
    FN(curl_easy_setopt, CURLE_FAILED_INIT) return f(easy, option, value);
}
CURLcode tb_curl_easy_set_write_function(CURL *easy, curl_write_callback callback) {
    FN(curl_easy_setopt, CURLE_FAILED_INIT) return f(easy, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode tb_curl_easy_set_read_function(CURL *easy, curl_read_callback callback) {
    FN(curl_easy_setopt, CURLE_FAILED_INIT) return f(easy, CURLOPT_READFUNCTION, callback);
}
CURLcode tb_curl_easy_set_header_function(CURL *easy, curl_write_callback callback) {
    FN(curl_easy_setopt, CURLE_FAILED_INIT) return f(easy, CURLOPT_HEADERFUNCTION, callback);
}
CURLcode tb_curl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    FN(curl_easy_getinfo, CURLE_FAILED_INIT) return f(easy, info, value);
}
CURLcode tb_curl_easy_getinfo_pointer(CURL *easy, CURLINFO info, void **value) {
    FN(curl_easy_getinfo, CURLE_FAILED_INIT) return f(easy, info, value);
}
struct curl_slist *tb_curl_slist_append(struct curl_slist *list, const char *string) {
    FN(curl_slist_append, NULL) return f(list, string);
}
void tb_curl_slist_free_all(struct curl_slist *list) {
    static void (*fn)(struct curl_slist *);
    void (*f)(struct curl_slist *) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (void (*)(struct curl_slist *))tb_lazy_symbol(&curl, "curl_slist_free_all");
        if (!f) return;
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    f(list);
}
const char *tb_curl_easy_strerror(CURLcode code) {
    const char *missing = tb_lazy_curl_error();
    if (missing) return missing;
    FN(curl_easy_strerror, "unknown libcurl error") return f(code);
}
CURL *tb_curl_message_easy(CURLMsg *message) { return message->easy_handle; }
CURLcode tb_curl_message_result(CURLMsg *message) { return message->data.result; }
int tb_curl_message_is_done(CURLMsg *message) { return message->msg == CURLMSG_DONE; }
