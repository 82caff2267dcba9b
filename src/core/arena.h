/* A bump allocator: everything a plan owns is freed at once with the plan. */
#ifndef MPLAN_ARENA_H
#define MPLAN_ARENA_H

#include <stddef.h>

struct mp_arena_block;

struct mp_arena {
    struct mp_arena_block *head;
    size_t used, size; /* of the head block */
    size_t total;      /* bytes of all blocks: what the arena holds */
};

/* Zeroed memory for n bytes, aligned for any type; NULL when out of memory. */
void *mp_arena_alloc(struct mp_arena *arena, size_t n);
/* Zeroed array of n items of `size` bytes; NULL on overflow or out of memory. */
void *mp_arena_array(struct mp_arena *arena, size_t n, size_t size);
/* A copy of s (or of its first n bytes for strndup) in the arena. */
char *mp_arena_strdup(struct mp_arena *arena, const char *s);
char *mp_arena_strndup(struct mp_arena *arena, const char *s, size_t n);
/* printf into the arena. */
char *mp_arena_printf(struct mp_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp_arena_free(struct mp_arena *arena);

#endif
