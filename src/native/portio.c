/*
 * RecoveryKit port-I/O shim (DESIGN.md "NativeAOT rules of thumb").
 *
 * glibc's inb/outb/insw are inline assembly in <sys/io.h> and are not exported,
 * so managed code cannot call them. These seven functions wrap exactly one
 * instruction (or one ioperm call) each. They are built twice by
 * src/native/portio.targets: libportio.a (linked into the NativeAOT binary via
 * DirectPInvoke) and libportio.so (loaded by `dotnet test`).
 *
 * On anything that is not x86, every function fails with ENOSYS / returns all-ones,
 * so the managed side can build everywhere and refuse with a clear message.
 */
#include <errno.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define RK_HAVE_PORTS 1
#else
#define RK_HAVE_PORTS 0
#endif

#define RK_EXPORT __attribute__((visibility("default")))

/* Grants (turn_on = 1) or drops (0) access to ports [from, from + count). Returns 0 or -1 with errno. */
RK_EXPORT int rk_ioperm(uint32_t from, uint32_t count, int32_t turn_on)
{
#if RK_HAVE_PORTS
    return ioperm((unsigned long)from, (unsigned long)count, turn_on);
#else
    (void)from; (void)count; (void)turn_on;
    errno = ENOSYS;
    return -1;
#endif
}

RK_EXPORT uint8_t rk_inb(uint16_t port)
{
#if RK_HAVE_PORTS
    return inb(port);
#else
    (void)port;
    return 0xFF;
#endif
}

RK_EXPORT void rk_outb(uint16_t port, uint8_t value)
{
#if RK_HAVE_PORTS
    outb(value, port);
#else
    (void)port; (void)value;
#endif
}

RK_EXPORT uint16_t rk_inw(uint16_t port)
{
#if RK_HAVE_PORTS
    return inw(port);
#else
    (void)port;
    return 0xFFFF;
#endif
}

RK_EXPORT void rk_outw(uint16_t port, uint16_t value)
{
#if RK_HAVE_PORTS
    outw(value, port);
#else
    (void)port; (void)value;
#endif
}

/* rep insw: reads count 16-bit words from port into buffer. */
RK_EXPORT void rk_insw(uint16_t port, uint16_t *buffer, uint32_t count)
{
#if RK_HAVE_PORTS
    insw(port, buffer, count);
#else
    for (uint32_t i = 0; i < count; i++)
        buffer[i] = 0xFFFF;
    (void)port;
#endif
}

/* rep outsw: writes count 16-bit words from buffer to port. */
RK_EXPORT void rk_outsw(uint16_t port, const uint16_t *buffer, uint32_t count)
{
#if RK_HAVE_PORTS
    outsw(port, buffer, count);
#else
    (void)port; (void)buffer; (void)count;
#endif
}
