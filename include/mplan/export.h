/* MP_API marks the functions of the public API. libmplan is compiled with
 * -fvisibility=hidden, so these are the only symbols libmplan.so exports: a function of
 * src/ that no header here declares cannot be linked against, and can change freely.
 * Every function a header of include/mplan declares carries it, and the file defining it
 * includes that header; `make test` compares the exports with the declarations. */
#ifndef MPLAN_EXPORT_H
#define MPLAN_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define MP_API __attribute__((visibility("default")))
#else
#define MP_API
#endif

#endif
