/* libxlsxwriter, loaded when a workbook is first written (dlopen), not at every start of
 * mplan: linked in, it and what it pulls (minizip, zlib, libcrypto) cost each command about
 * 3.7 ms of dynamic loading, more than half of `mplan --version` (docs/design.md, "Excel
 * workbooks"). The functions xlsx_out.c calls are reached through mp_lxw, whose members
 * have the names and types of xlsxwriter.h's declarations. */
#ifndef MPLAN_IO_XLSX_DL_H
#define MPLAN_IO_XLSX_DL_H

#include <xlsxwriter.h>

#include "mplan/status.h"

#define MP_LXW_FUNCS(X)                                                                        \
    X(workbook_new_opt) X(workbook_add_worksheet) X(workbook_add_format) X(workbook_close)     \
    X(lxw_strerror) X(format_set_align) X(format_set_bg_color) X(format_set_bold)              \
    X(format_set_bottom) X(format_set_font_color) X(format_set_font_size)                      \
    X(format_set_num_format) X(format_set_text_wrap) X(worksheet_freeze_panes)                 \
    X(worksheet_set_column) X(worksheet_write_blank) X(worksheet_write_boolean)                \
    X(worksheet_write_datetime) X(worksheet_write_number) X(worksheet_write_string)

struct mp_lxw {
#define MP_LXW_MEMBER(name) __typeof__(&name) name;
    MP_LXW_FUNCS(MP_LXW_MEMBER)
#undef MP_LXW_MEMBER
};
extern struct mp_lxw mp_lxw;

/* Load the library once (later calls return at once). MP_EIO naming the library and why
 * when it is not installed or lacks a function. */
enum mp_status mp_lxw_load(mp_error *err);

#endif
