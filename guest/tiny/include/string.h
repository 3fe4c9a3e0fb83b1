/* SPDX-License-Identifier: GPL-2.0 */
/*
 * string.h - the string functions of the tiny guest kernel (lib.c), for the
 * portable core's <string.h> include: there is no libc here.
 */
#ifndef CCMEM_TINY_STRING_H
#define CCMEM_TINY_STRING_H

#include <stddef.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* CCMEM_TINY_STRING_H */
