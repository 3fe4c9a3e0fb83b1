// SPDX-License-Identifier: GPL-2.0
/*
 * lib.c - what a libc would give: string functions, a small printf and
 * the polled COM1 console everything prints on.
 */
#include "tiny.h"

/* ---- string functions (also what GCC may emit calls to) --------------- */

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a < (u8)*b ? -1 : 1;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

/* Decimal, or hexadecimal with 0x; *@end is the first unused character. */
u64 tiny_strtou64(const char *s, const char **end)
{
	u64 v = 0, base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * base + d;
	}
	if (end)
		*end = s;
	return v;
}

/* ---- printf -------------------------------------------------------------- */

struct tiny_out {
	char *buf;
	size_t size;
	size_t len;
};

static void tiny_out_c(struct tiny_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void tiny_out_num(struct tiny_out *o, u64 v, u32 base, bool neg,
			 u32 width, bool zero, bool left, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	u32 n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (neg && zero)
		tiny_out_c(o, '-');
	while (!left && len < width) {
		tiny_out_c(o, zero ? '0' : ' ');
		width--;
	}
	if (neg && !zero)
		tiny_out_c(o, '-');
	while (n)
		tiny_out_c(o, tmp[--n]);
	while (left && len < width) {
		tiny_out_c(o, ' ');
		width--;
	}
}

/*
 * The subset the kernel uses: flags '-' and '0', a width, the length
 * modifiers l, ll and z, and the conversions d i u x X s c p %.
 */
int tiny_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct tiny_out o = { .buf = buf, .size = size };
	bool zero, left, is_signed;
	u32 width, lng;
	const char *s;
	u64 v;
	s64 sv = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			tiny_out_c(&o, *fmt);
			continue;
		}
		fmt++;
		zero = false;
		left = false;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		is_signed = false;
		switch (*fmt) {
		case 'd':
		case 'i':
			is_signed = true;
			fallthrough;
		case 'u':
		case 'x':
		case 'X':
			if (is_signed) {
				sv = lng ? va_arg(ap, s64) : va_arg(ap, int);
				v = sv < 0 ? -(u64)sv : (u64)sv;
			} else {
				v = lng ? va_arg(ap, u64) : va_arg(ap, u32);
			}
			tiny_out_num(&o, v, *fmt == 'x' || *fmt == 'X' ? 16 : 10,
				     is_signed && sv < 0, width, zero && !left,
				     left, *fmt == 'X');
			break;
		case 'p':
			tiny_out_c(&o, '0');
			tiny_out_c(&o, 'x');
			tiny_out_num(&o, (u64)va_arg(ap, void *), 16, false,
				     width, zero, left, false);
			break;
		case 'c':
			tiny_out_c(&o, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			v = strlen(s);
			while (!left && v < width) {
				tiny_out_c(&o, ' ');
				width--;
			}
			while (*s)
				tiny_out_c(&o, *s++);
			while (left && v < width) {
				tiny_out_c(&o, ' ');
				width--;
			}
			break;
		case '%':
			tiny_out_c(&o, '%');
			break;
		default:
			/* An unknown conversion is printed as is. */
			tiny_out_c(&o, '%');
			if (!*fmt)
				fmt--;
			else
				tiny_out_c(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int tiny_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tiny_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- the console: COM1, polled ------------------------------------------ */

#define UART_THR	0	/* transmit holding */
#define UART_IER	1	/* interrupt enable */
#define UART_DLL	0	/* divisor latch, DLAB set */
#define UART_DLM	1
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_LCR_DLAB	0x80
#define UART_LCR_8N1	0x03
#define UART_LSR_THRE	0x20

void tiny_console_init(void)
{
	tiny_outb(TINY_COM1 + UART_IER, 0);
	tiny_outb(TINY_COM1 + UART_LCR, UART_LCR_DLAB);
	tiny_outb(TINY_COM1 + UART_DLL, 1);		/* 115200 baud */
	tiny_outb(TINY_COM1 + UART_DLM, 0);
	tiny_outb(TINY_COM1 + UART_LCR, UART_LCR_8N1);
	tiny_outb(TINY_COM1 + UART_FCR, 0x07);	/* FIFOs on and cleared */
	tiny_outb(TINY_COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

void tiny_putc(char c)
{
	u32 spins = 100000;

	if (c == '\n')
		tiny_putc('\r');
	/* Bounded: a missing UART must not hang the guest. */
	while (!(tiny_inb(TINY_COM1 + UART_LSR) & UART_LSR_THRE) && --spins)
		;
	tiny_outb(TINY_COM1 + UART_THR, (u8)c);
}

void tiny_vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	const char *p;

	tiny_vsnprintf(buf, sizeof(buf), fmt, ap);
	for (p = buf; *p; p++)
		tiny_putc(*p);
}

void tiny_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tiny_vprintf(fmt, ap);
	va_end(ap);
}
