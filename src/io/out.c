#include "io/out.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mkstemp makes 0600 files; give the result the usual mode (0666 less the umask). */
static int fchmod_default(const char *path)
{
    mode_t mask = umask(0);
    umask(mask);
    return chmod(path, 0666 & ~mask);
}

enum mp_status mp_out_open(struct mp_out *out, const char *path, mp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->fp = stdout;
        return MP_OK;
    }
    int n = snprintf(out->tmp, sizeof out->tmp, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof out->tmp)
        return mp_fail(err, MP_EIO, "%s: path too long", path);
    int fd = mkstemp(out->tmp);
    if (fd < 0)
        return mp_fail(err, MP_EIO, "%s: cannot create: %s", path, strerror(errno));
    out->fp = fdopen(fd, "w");
    if (!out->fp) {
        close(fd);
        unlink(out->tmp);
        return mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    }
    out->path = path;
    return MP_OK;
}

enum mp_status mp_out_commit(struct mp_out *out, mp_error *err)
{
    if (!out->fp)
        return MP_OK;
    if (!out->path) {
        int bad = fflush(stdout) != 0 || ferror(stdout);
        out->fp = NULL;
        return bad ? mp_fail(err, MP_EIO, "stdout: write failed: %s", strerror(errno)) : MP_OK;
    }
    int bad = fflush(out->fp) != 0 || ferror(out->fp) || fsync(fileno(out->fp)) != 0;
    int saved = errno;
    if (fclose(out->fp) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    out->fp = NULL;
    if (!bad && fchmod_default(out->tmp) == 0 && rename(out->tmp, out->path) == 0)
        return MP_OK;
    if (!bad)
        saved = errno;
    unlink(out->tmp);
    return mp_fail(err, MP_EIO, "%s: write failed: %s", out->path, strerror(saved));
}

void mp_out_abort(struct mp_out *out)
{
    if (out->fp && out->path) {
        fclose(out->fp);
        unlink(out->tmp);
    }
    out->fp = NULL;
}
