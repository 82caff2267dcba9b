/* libFuzzer harness for the plan loader (not part of `make test`; see run.sh).
 * Any input must load or be refused with MP_EINPUT and a one-line message naming the file;
 * a crash, a leak, a sanitizer report or any other outcome is a bug. Built with -DMP_FUZZ_MAIN it
 * replays the given files instead, for compilers without libFuzzer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp_plan *plan = NULL;
    mp_error err = {0};
    enum mp_status st = mp_plan_load_string("fuzz.yaml", (const char *)data, size, &plan, &err);
    if (st == MP_OK) {
        if (!plan || plan->T < 1 || plan->nchannels < 1 || !plan->phase || !plan->lift)
            abort();
        mp_plan_free(plan);
        return 0;
    }
    if (plan || st != MP_EINPUT || strncmp(err.msg, "fuzz.yaml:", 10) != 0 ||
        strchr(err.msg, '\n')) {
        fprintf(stderr, "status %d without a located message: %s\n", (int)st, err.msg);
        abort();
    }
    return 0;
}

#ifdef MP_FUZZ_MAIN
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 1;
        }
        static unsigned char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
#endif
