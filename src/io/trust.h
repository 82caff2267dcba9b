/* Signing keys, signatures and the trust list (docs/security.md, "Sharing packs"): Ed25519
 * through libsodium. A key file is text: `mplan-public-key 1`, `name NAME`, `key HEX`. A
 * bundle's SIGNATURE entry is `mplan-signature 1`, `signer NAME`, `key HEX`, `sig HEX`: a
 * detached signature of its MANIFEST entry. A signer is trusted when its public key is in
 * the user's trust list ($MPLAN_HOME/trust) or among the keys shipped with mplan. */
#ifndef MPLAN_IO_TRUST_H
#define MPLAN_IO_TRUST_H

#include <stddef.h>

#include "mplan/status.h"

#define MP_KEY_NAME_MAX 64

struct mp_pubkey {
    char name[MP_KEY_NAME_MAX];
    unsigned char key[32];
    char fpr[17]; /* the first 16 hex digits of the key's SHA-256 */
};

/* Who signed a bundle: the key named in its signature, and whether the trust list holds it
 * (then `name` is the trust list's name for it). */
struct mp_signer {
    int signed_;  /* 0: the bundle carries no signature */
    int trusted;
    struct mp_pubkey key;
};

/* The directory of keys shipped with mplan (DATADIR/mplan/keys), trusted like the list. */
const char *mp_shipped_keys_dir(void);

/* Write PREFIX.key (mode 0600, never over an existing file) and PREFIX.pub; the key's name
 * is PREFIX's last component. */
enum mp_status mp_key_new(const char *prefix, mp_error *err);

/* Read a public key file. MP_EINPUT naming the file when it is not one. */
enum mp_status mp_key_load_public(const char *path, struct mp_pubkey *key, mp_error *err);

/* Sign msg[len] with the secret key file `keyfile`. On success the caller owns *sigtext
 * (free): the SIGNATURE entry's text. */
enum mp_status mp_sign(const char *keyfile, const void *msg, size_t len, char **sigtext,
                       mp_error *err);

/* Check the SIGNATURE text against msg[len] (`bundle` names the bundle in messages): a
 * signature that does not verify is MP_EINPUT ("changed after it was signed"); a valid one
 * fills *who, trusted or not (the caller decides what an untrusted signer means). */
enum mp_status mp_signature_check(const char *sigtext, size_t slen, const void *msg, size_t len,
                                  const char *bundle, struct mp_signer *who, mp_error *err);

/* The trust list: add a public key file (refused when the name is taken by another key),
 * list it (one key per call of `each`), remove a key by name, file or fingerprint. */
enum mp_status mp_trust_add(const char *pubfile, struct mp_pubkey *added, mp_error *err);
enum mp_status mp_trust_list(void (*each)(void *ud, const struct mp_pubkey *key, int shipped),
                             void *ud, mp_error *err);
enum mp_status mp_trust_remove(const char *what, struct mp_pubkey *removed, mp_error *err);

/* Lower-case hex of n bytes into out[2n+1]. */
void mp_hex(const unsigned char *in, size_t n, char *out);

#endif
