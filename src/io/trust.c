/* Keys, signatures and the trust list (io/trust.h). */
#define _GNU_SOURCE
#include "io/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>
#include <sodium.h>

#include "io/pack_fs.h"
#include "io/store_find.h"

/* The Makefile passes the installation's key directory. */
#ifndef MPLAN_KEYS_DIR
#define MPLAN_KEYS_DIR "/usr/local/share/mplan/keys"
#endif

#define KEY_FILE_MAX 4096

void mp_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

static int unhex(const char *s, size_t len, unsigned char *out, size_t n)
{
    if (len != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = s[2 * i + (size_t)j];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

const char *mp_shipped_keys_dir(void)
{
    const char *env = getenv("MPLAN_KEYS_DIR");
    return env ? env : MPLAN_KEYS_DIR;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n >= MP_KEY_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static void fingerprint(struct mp_pubkey *k)
{
    SHA2_CTX ctx;
    char hex[65];
    SHA256Init(&ctx);
    SHA256Update(&ctx, k->key, sizeof k->key);
    SHA256End(&ctx, hex);
    memcpy(k->fpr, hex, 16);
    k->fpr[16] = 0;
}

static enum mp_status sodium_ready(mp_error *err)
{
    return sodium_init() < 0 ? mp_fail(err, MP_EINTERNAL, "libsodium failed to initialise") : MP_OK;
}

/* "word VALUE" lines: the value of `word`, or NULL; *n its length. */
static const char *field(const char *text, const char *word, size_t *n)
{
    size_t w = strlen(word);
    for (const char *p = text; *p;) {
        size_t k = strcspn(p, "\n");
        if (k > w && strncmp(p, word, w) == 0 && p[w] == ' ') {
            *n = k - w - 1;
            return p + w + 1;
        }
        p += k + (p[k] == '\n');
    }
    return NULL;
}

/* Write a whole new file; never over an existing one. */
static enum mp_status write_new(const char *path, const char *text, mode_t mode, mp_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return mp_fail(err, MP_EIO, "%s: %s", path, errno == EEXIST ? "already exists; not replaced" : strerror(errno));
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int bad = w < 0 || (size_t)w != len || fsync(fd) != 0;
    int saved = errno;
    if (close(fd) != 0)
        bad = 1;
    if (bad) {
        unlink(path);
        return mp_fail(err, MP_EIO, "%s: write failed: %s", path, strerror(saved));
    }
    return MP_OK;
}

static enum mp_status parse_public(const char *text, const char *where, struct mp_pubkey *k, mp_error *err)
{
    size_t nn, nk;
    const char *name = field(text, "name", &nn), *key = field(text, "key", &nk);
    memset(k, 0, sizeof *k);
    if (strncmp(text, "mplan-public-key 1\n", 19) != 0 || !name || !key)
        return mp_fail(err, MP_EINPUT, "%s: not an mplan public key (made by 'mplan key new NAME')", where);
    if (nn >= sizeof k->name)
        return mp_fail(err, MP_EINPUT, "%s: key name too long", where);
    memcpy(k->name, name, nn);
    if (!valid_name(k->name))
        return mp_fail(err, MP_EINPUT, "%s: a key name is letters, digits and -_.", where);
    if (unhex(key, nk, k->key, sizeof k->key) != 0)
        return mp_fail(err, MP_EINPUT, "%s: 'key' must be 64 hex digits", where);
    fingerprint(k);
    return MP_OK;
}

enum mp_status mp_key_load_public(const char *path, struct mp_pubkey *key, mp_error *err)
{
    char *text;
    size_t len;
    MP_TRY(mp_file_read(path, KEY_FILE_MAX, &text, &len, err));
    enum mp_status st = parse_public(text, path, key, err);
    free(text);
    return st;
}

enum mp_status mp_key_new(const char *prefix, mp_error *err)
{
    MP_TRY(sodium_ready(err));
    const char *base = strrchr(prefix, '/');
    base = base ? base + 1 : prefix;
    if (!valid_name(base))
        return mp_fail(err, MP_EUSAGE, "key name '%s': letters, digits and -_. only, at most %d", base,
                       MP_KEY_NAME_MAX - 1);
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    char skhex[2 * sizeof sk + 1], pkhex[2 * sizeof pk + 1], path[4096], text[512];
    mp_hex(sk, sizeof sk, skhex);
    mp_hex(pk, sizeof pk, pkhex);
    sodium_memzero(sk, sizeof sk);
    snprintf(path, sizeof path, "%s.key", prefix);
    snprintf(text, sizeof text, "mplan-secret-key 1\nname %s\nkey %s\n", base, skhex);
    sodium_memzero(skhex, sizeof skhex);
    enum mp_status st = write_new(path, text, 0600, err);
    sodium_memzero(text, sizeof text);
    if (st != MP_OK)
        return st;
    snprintf(path, sizeof path, "%s.pub", prefix);
    snprintf(text, sizeof text, "mplan-public-key 1\nname %s\nkey %s\n", base, pkhex);
    if ((st = write_new(path, text, 0644, err)) != MP_OK) {
        snprintf(path, sizeof path, "%s.key", prefix);
        unlink(path);
    }
    return st;
}

enum mp_status mp_sign(const char *keyfile, const void *msg, size_t len, char **sigtext, mp_error *err)
{
    *sigtext = NULL;
    MP_TRY(sodium_ready(err));
    char *text;
    size_t tlen;
    MP_TRY(mp_file_read(keyfile, KEY_FILE_MAX, &text, &tlen, err));
    size_t nn, nk;
    const char *name = field(text, "name", &nn), *key = field(text, "key", &nk);
    unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    enum mp_status st = MP_OK;
    if (strncmp(text, "mplan-secret-key 1\n", 19) != 0 || !name || !key || nn >= MP_KEY_NAME_MAX ||
        unhex(key, nk, sk, sizeof sk) != 0)
        st = mp_fail(err, MP_EINPUT, "%s: not an mplan secret key (made by 'mplan key new NAME')", keyfile);
    if (st == MP_OK) {
        crypto_sign_detached(sig, NULL, msg, len, sk);
        char pkhex[65], sighex[2 * sizeof sig + 1];
        mp_hex(sk + 32, 32, pkhex); /* libsodium's secret key ends with the public key */
        mp_hex(sig, sizeof sig, sighex);
        size_t cap = 64 + nn + sizeof pkhex + sizeof sighex;
        if (!(*sigtext = malloc(cap)))
            st = mp_fail(err, MP_ENOMEM, "out of memory");
        else
            snprintf(*sigtext, cap, "mplan-signature 1\nsigner %.*s\nkey %s\nsig %s\n", (int)nn, name, pkhex, sighex);
    }
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(text, tlen);
    free(text);
    return st;
}

/* Is `k` among the public keys of directory `dir`? Then *found (with the file's name). */
static int find_in(const char *dir, const struct mp_pubkey *k, struct mp_pubkey *found)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int hit = 0;
    while (!hit && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || strcmp(e->d_name + n - 4, ".pub") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct mp_pubkey t;
        if (mp_key_load_public(path, &t, NULL) == MP_OK && memcmp(t.key, k->key, sizeof t.key) == 0) {
            *found = t;
            hit = 1;
        }
    }
    closedir(d);
    return hit;
}

static int trust_dir(char *buf, size_t n)
{
    char home[4000];
    if (mp_store_home(home, sizeof home) != 0)
        return -1;
    int k = snprintf(buf, n, "%s/trust", home);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

enum mp_status mp_signature_check(const char *sigtext, size_t slen, const void *msg, size_t len,
                                  const char *bundle, struct mp_signer *who, mp_error *err)
{
    memset(who, 0, sizeof *who);
    MP_TRY(sodium_ready(err));
    size_t nn, nk, ns;
    const char *name = field(sigtext, "signer", &nn), *key = field(sigtext, "key", &nk),
               *sig = field(sigtext, "sig", &ns);
    unsigned char s[crypto_sign_BYTES];
    if (strlen(sigtext) != slen || strncmp(sigtext, "mplan-signature 1\n", 18) != 0 || !name || !key || !sig ||
        nn >= MP_KEY_NAME_MAX || unhex(key, nk, who->key.key, 32) != 0 || unhex(sig, ns, s, sizeof s) != 0)
        return mp_fail(err, MP_EINPUT, "%s: SIGNATURE is malformed", bundle);
    memcpy(who->key.name, name, nn);
    fingerprint(&who->key);
    who->signed_ = 1;
    if (crypto_sign_verify_detached(s, msg, len, who->key.key) != 0)
        return mp_fail(err, MP_EINPUT, "%s: the signature by '%s' (key %s) does not match the bundle's "
                       "manifest: the bundle was changed after it was signed", bundle, who->key.name, who->key.fpr);
    char dir[4096];
    struct mp_pubkey t;
    if ((trust_dir(dir, sizeof dir) == 0 && find_in(dir, &who->key, &t)) || find_in(mp_shipped_keys_dir(), &who->key, &t)) {
        who->trusted = 1;
        who->key = t;
    }
    return MP_OK;
}

enum mp_status mp_trust_add(const char *pubfile, struct mp_pubkey *added, mp_error *err)
{
    MP_TRY(mp_key_load_public(pubfile, added, err));
    char dir[4096], path[4200], text[256], key[65];
    if (trust_dir(dir, sizeof dir) != 0)
        return mp_fail(err, MP_EIO, "no store directory: set MPLAN_HOME or HOME");
    char home[4096];
    mp_store_home(home, sizeof home);
    if ((mkdir(home, 0755) != 0 && errno != EEXIST) || (mkdir(dir, 0755) != 0 && errno != EEXIST))
        return mp_fail(err, MP_EIO, "%s: %s", dir, strerror(errno));
    snprintf(path, sizeof path, "%s/%s.pub", dir, added->name);
    struct mp_pubkey old;
    if (access(path, F_OK) == 0) {
        if (mp_key_load_public(path, &old, NULL) == MP_OK && memcmp(old.key, added->key, 32) == 0)
            return MP_OK; /* already trusted */
        return mp_fail(err, MP_EINPUT, "%s: the trust list already has another key named '%s' (%s); "
                       "remove it first ('mplan trust remove %s')", pubfile, added->name, old.fpr, added->name);
    }
    mp_hex(added->key, 32, key);
    snprintf(text, sizeof text, "mplan-public-key 1\nname %s\nkey %s\n", added->name, key);
    return write_new(path, text, 0644, err);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct mp_pubkey *)a)->name, ((const struct mp_pubkey *)b)->name);
}

/* Every key of `dir`, sorted by name; the caller frees *out. */
static size_t keys_of(const char *dir, struct mp_pubkey **out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".pub") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct mp_pubkey k;
        if (mp_key_load_public(path, &k, NULL) != MP_OK)
            continue;
        if (n == cap) {
            struct mp_pubkey *v = realloc(*out, (cap = cap ? 2 * cap : 8) * sizeof *v);
            if (!v)
                break;
            *out = v;
        }
        (*out)[n++] = k;
    }
    closedir(d);
    if (n)
        qsort(*out, n, sizeof **out, cmp_key);
    return n;
}

enum mp_status mp_trust_list(void (*each)(void *ud, const struct mp_pubkey *key, int shipped), void *ud,
                             mp_error *err)
{
    char dir[4096];
    if (trust_dir(dir, sizeof dir) != 0)
        return mp_fail(err, MP_EIO, "no store directory: set MPLAN_HOME or HOME");
    for (int shipped = 1; shipped >= 0; shipped--) {
        struct mp_pubkey *v;
        size_t n = keys_of(shipped ? mp_shipped_keys_dir() : dir, &v);
        for (size_t i = 0; i < n; i++)
            each(ud, &v[i], shipped);
        free(v);
    }
    return MP_OK;
}

enum mp_status mp_trust_remove(const char *what, struct mp_pubkey *removed, mp_error *err)
{
    char dir[4096], path[4200];
    if (trust_dir(dir, sizeof dir) != 0)
        return mp_fail(err, MP_EIO, "no store directory: set MPLAN_HOME or HOME");
    struct mp_pubkey want, *v;
    int by_key = mp_key_load_public(what, &want, NULL) == MP_OK;
    size_t n = keys_of(dir, &v), i;
    for (i = 0; i < n; i++)
        if (by_key ? memcmp(v[i].key, want.key, 32) == 0 : strcmp(v[i].name, what) == 0 || strcmp(v[i].fpr, what) == 0)
            break;
    enum mp_status st = MP_OK;
    if (i == n) {
        st = mp_fail(err, MP_EINPUT, "'%s' is not in the trust list %s ('mplan trust list' shows it)", what, dir);
    } else {
        *removed = v[i];
        snprintf(path, sizeof path, "%s/%s.pub", dir, v[i].name);
        if (unlink(path) != 0)
            st = mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    }
    free(v);
    return st;
}
