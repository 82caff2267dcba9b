/* Fetching (io/fetch.h) through libcurl: only http and https, redirects only to them, a
 * connect and a total timeout, and the size cap enforced as bytes arrive. */
#include "io/fetch.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "io/pack_fs.h"

int mp_is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

struct sink {
    char *buf;
    size_t len, cap, max;
    int over, oom;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t k = size * n;
    if (s->len + k > s->max) {
        s->over = 1;
        return 0; /* aborts the transfer */
    }
    if (s->len + k + 1 > s->cap) {
        size_t cap = (s->len + k + 1) * 2;
        char *b = realloc(s->buf, cap);
        if (!b) {
            s->oom = 1;
            return 0;
        }
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, k);
    s->len += k;
    s->buf[s->len] = 0;
    return k;
}

enum mp_status mp_fetch(const char *where, size_t max, char **buf, size_t *len, mp_error *err)
{
    *buf = NULL;
    *len = 0;
    if (strncmp(where, "file://", 7) == 0)
        where += 7;
    if (!mp_is_url(where)) {
        enum mp_status st = mp_file_read(where, max, buf, len, err);
        if (st == MP_EINPUT && strstr(err ? err->msg : "", "larger than"))
            return mp_fail(err, MP_EINPUT, "%s: larger than %zu MiB; refused", where, max >> 20);
        return st;
    }
    static int ready;
    if (!ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
            return mp_fail(err, MP_EINTERNAL, "libcurl failed to initialise");
        ready = 1;
    }
    CURL *c = curl_easy_init();
    if (!c)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    struct sink s = {.max = max};
    char why[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, where);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mplan");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    enum mp_status st = MP_OK;
    if (s.over || rc == CURLE_FILESIZE_EXCEEDED)
        st = mp_fail(err, MP_EINPUT, "%s: larger than %zu MiB; refused", where, max >> 20);
    else if (s.oom)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    else if (rc != CURLE_OK)
        st = code >= 400 ? mp_fail(err, MP_EIO, "%s: HTTP %ld", where, code)
                         : mp_fail(err, MP_EIO, "%s: %s", where, *why ? why : curl_easy_strerror(rc));
    if (st != MP_OK) {
        free(s.buf);
        return st;
    }
    if (!s.buf && !(s.buf = calloc(1, 1)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    *buf = s.buf;
    *len = s.len;
    return MP_OK;
}
