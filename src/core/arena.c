#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mp_arena_block {
    struct mp_arena_block *next;
    max_align_t data[];
};

#define MP_ARENA_BLOCK 16384u

void *mp_arena_alloc(struct mp_arena *arena, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    if (!arena->head || arena->size - arena->used < n) {
        size_t size = n > MP_ARENA_BLOCK ? n : MP_ARENA_BLOCK;
        struct mp_arena_block *b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = arena->head;
        arena->head = b;
        arena->size = size;
        arena->used = 0;
        arena->total += sizeof *b + size;
    }
    void *p = (char *)arena->head->data + arena->used;
    arena->used += n;
    memset(p, 0, n);
    return p;
}

void *mp_arena_array(struct mp_arena *arena, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return mp_arena_alloc(arena, n * size);
}

char *mp_arena_strndup(struct mp_arena *arena, const char *s, size_t n)
{
    char *p = mp_arena_alloc(arena, n + 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *mp_arena_strdup(struct mp_arena *arena, const char *s)
{
    return s ? mp_arena_strndup(arena, s, strlen(s)) : NULL;
}

char *mp_arena_printf(struct mp_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = mp_arena_alloc(arena, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void mp_arena_free(struct mp_arena *arena)
{
    struct mp_arena_block *b = arena->head;
    while (b) {
        struct mp_arena_block *next = b->next;
        free(b);
        b = next;
    }
    arena->head = NULL;
    arena->used = arena->size = arena->total = 0;
}
