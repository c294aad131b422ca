/*
 * rk-mtk-drive: a MediaTek-chipset ATAPI optical drive whose main firmware may be dead, behind QEMU's
 * legacy IDE ports, for RecoveryKit's end-to-end tests.
 *
 * Written from RecoveryKit's PROTOCOL.md (the shared protocol reference) and the ATA/ATAPI standard; it is
 * deliberately NOT a translation of RecoveryKit's own C# emulator, so that the two can disagree and each
 * disagreement points at a misreading of the protocol. Section numbers below are PROTOCOL.md's.
 *
 *   -device rk-mtk-drive,bus=ide.N,unit=U,flash=FILE,profile=NAME[,state=dead|healthy][,power=on|off]
 *           [,serial=S][,log=FILE][,profiles=DIR][,stuck-bsy=on][,boot-ms=N][,reset-ms=N]
 *
 * The device answers every register of its position itself, through a port hook in hw/ide/ioport.c
 * (IDEBus.raw_hook, added by ide-raw-hook.patch): QEMU's own IDE state machine never sees the commands sent to
 * this unit, and keeps serving the other unit of the bus as before.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/qmp/qjson.h"
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qlist.h"
#include "qapi/qmp/qnum.h"
#include "qapi/qmp/qstring.h"
#include "qemu/error-report.h"
#include "qemu/cutils.h"
#include "qemu/timer.h"
#include "qemu/module.h"
#include "hw/irq.h"
#include "hw/qdev-properties.h"
#include "hw/ide/internal.h"
#include "sysemu/sysemu.h"

#define TYPE_RK_MTK_DRIVE "rk-mtk-drive"
OBJECT_DECLARE_SIMPLE_TYPE(RkMtkDrive, RK_MTK_DRIVE)

/* ATA status bits [D] */
#define ST_BSY  0x80
#define ST_DRDY 0x40
#define ST_DF   0x20
#define ST_DSC  0x10
#define ST_DRQ  0x08
#define ST_ERR  0x01
#define ER_ABRT 0x04
#define CTL_NIEN 0x02
#define CTL_SRST 0x04

/* Task-file register numbers (offset from the command block; 8 = the control block) */
enum { R_DATA, R_ERR, R_NSECT, R_LBAL, R_LBAM, R_LBAH, R_DEV, R_CMD, R_CTRL };

typedef enum { POWER_OFF, BOOTING, RUNNING } RkPower;
/* What runs on the drive's 8032: only the boot code (dead), the main firmware (healthy), or the boot
 * code's vendor mode (entered from either). */
typedef enum { FW_DEAD, FW_HEALTHY } RkFirmware;
typedef enum { PH_IDLE, PH_CDB, PH_DATA_IN, PH_PIO_IN } RkPhase;
/* The SC-code mailbox of §4, as a strict sequence. */
typedef enum { MB_IDLE, MB_ADDR, MB_LATCHED, MB_W40, MB_W42 } RkMailbox;
/* The JEDEC chip's command state (§5) */
typedef enum { CH_READ, CH_C1, CH_C2, CH_ID, CH_ID_C1, CH_ID_C2, CH_PROG, CH_E3, CH_E4, CH_E5 } RkChipCmd;

typedef struct RkChip {
    char name[32];
    uint8_t mfr, dev;
    uint32_t size;
    uint32_t unlock1, unlock2, mask;
    uint32_t nsect;                 /* sector boundaries: sect_start[i], sect_size[i] */
    uint32_t *sect_start, *sect_size;
    uint32_t program_us, sector_erase_ms, chip_erase_ms;
} RkChip;

typedef struct RkProduct {
    char s[17];
} RkProduct;

typedef struct RkFamily {
    char name[32];
    char vendor[9];
    char product[17];                /* the first product, for an image without identity */
    RkProduct *products;
    int nproducts;
    /* identity: search (R4) or fixed offsets */
    bool identity_fixed;
    int64_t vendor_at, product_at, revision_at;
    /* validity */
    char validity[24];
    int64_t v_start, v_end, v_stored;
    uint32_t boot_start, boot_len;
} RkFamily;

struct RkMtkDrive {
    IDEDevice parent_obj;

    /* properties */
    char *flash_path, *profile_name, *state_name, *serial, *log_path, *profiles_dir;
    bool stuck_bsy;
    uint32_t boot_ms, reset_ms, busy_scale;
    bool power_prop;

    IDEBus *bus;
    IDERawPortHook hook;
    FILE *log;
    Notifier exit_notifier;
    int flash_fd;
    uint8_t *flash;
    RkChip chip;
    RkFamily family;

    /* the drive */
    RkPower power;
    int64_t busy_until;              /* BOOTING ends then (virtual clock, ns) */
    RkFirmware fw;
    bool vendor_mode;
    uint8_t feat, err, nsect, lbal, lbam, lbah, dev, status, ctrl;
    uint8_t sel;                     /* the unit the host selected (DEV bit 4 of the last write, even while BSY) */
    bool intrq;                      /* the device asks for an interrupt (shown unless nIEN) */

    /* ATAPI transfer */
    RkPhase phase;
    uint8_t buf[512];
    uint32_t buf_len, buf_pos, block_end;
    uint16_t byte_limit;
    uint8_t sense_key, asc, ascq;
    char inq_vendor[9], inq_product[17], inq_revision[5];

    /* vendor mailbox and flash chip */
    RkMailbox mb;
    uint32_t mb_addr;
    RkChipCmd cc;
    int64_t chip_busy_until;
    bool chip_erasing;
    uint8_t chip_poll_data;          /* the byte being programmed (DQ7 = its complement while busy) */
    bool dq6;
    unsigned protocol_errors;
};

static int64_t now_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* ------------------------------------------------------------------ profile data (JSON, as data) */

static QDict *load_json(const char *dir, const char *file, Error **errp)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autofree char *text = NULL;
    gsize len;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        error_setg(errp, "rk-mtk-drive: cannot read %s: %s (set profiles=DIR to RecoveryKit's "
                   "src/RecoveryKit/Profiles)", path, gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    /* families.json carries '//' comment lines before the JSON: blank them out */
    for (char *line = text; line && *line; ) {
        char *p = line;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        char *nl = strchr(line, '\n');
        if (p[0] == '/' && p[1] == '/') {
            memset(p, ' ', nl ? (size_t)(nl - p) : strlen(p));
        }
        line = nl ? nl + 1 : NULL;
    }
    Error *local = NULL;
    QObject *obj = qobject_from_json(text, &local);
    if (!obj) {
        error_propagate_prepend(errp, local, "rk-mtk-drive: %s: ", path);
        return NULL;
    }
    QDict *d = qobject_to(QDict, obj);
    if (!d) {
        qobject_unref(obj);
        error_setg(errp, "rk-mtk-drive: %s is not a JSON object", path);
    }
    return d;
}

/* "0x40BC", "65536", "-0x2" (negative: from the end of the image); JSON numbers too */
static bool num_of(QObject *o, int64_t *out)
{
    if (!o) {
        return false;
    }
    QNum *n = qobject_to(QNum, o);
    if (n) {
        return qnum_get_try_int(n, out);
    }
    QString *s = qobject_to(QString, o);
    if (!s) {
        return false;
    }
    const char *t = qstring_get_str(s);
    char *end;
    int64_t v = strtoll(t, &end, 0);
    if (*t == '\0' || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

static QDict *find_named(QList *list, const char *name)
{
    const QListEntry *e;
    QLIST_FOREACH_ENTRY(list, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        if (d && g_strcmp0(qdict_get_try_str(d, "name"), name) == 0) {
            return d;
        }
    }
    return NULL;
}

/* The grade-carrying wrapper { "value": …, "grade": …, "note": … } of families.json and drives.json */
static QObject *graded(QDict *d, const char *key)
{
    QDict *w = qdict_get_qdict(d, key);
    return w ? qdict_get(w, "value") : NULL;
}

static void pad_copy(char *dst, size_t width, const char *src)
{
    size_t n = strlen(src);
    memset(dst, ' ', width);
    memcpy(dst, src, MIN(n, width));
    dst[width] = '\0';
}

static bool load_profile(RkMtkDrive *s, Error **errp)
{
    const char *dir = s->profiles_dir ? s->profiles_dir : "src/RecoveryKit/Profiles";
    g_autoptr(QDict) drives = NULL;
    g_autoptr(QDict) chipsj = NULL;
    g_autoptr(QDict) fams = NULL;
    drives = load_json(dir, "drives.json", errp);
    if (!drives) {
        return false;
    }
    QList *dl = qdict_get_qlist(drives, "drives");
    QDict *drive = dl ? find_named(dl, s->profile_name) : NULL;
    if (!drive) {
        error_setg(errp, "rk-mtk-drive: profile '%s' is not in %s/drives.json", s->profile_name, dir);
        return false;
    }
    QList *chips = qdict_get_qlist(drive, "chips");
    const char *chip_name = NULL;
    if (chips && !qlist_empty(chips)) {
        chip_name = qstring_get_str(qobject_to(QString, qlist_peek(chips)));
    }
    if (!chip_name) {
        error_setg(errp, "rk-mtk-drive: profile '%s' names no parallel flash chip", s->profile_name);
        return false;
    }

    chipsj = load_json(dir, "chips.json", errp);
    if (!chipsj) {
        return false;
    }
    QList *chip_list = qdict_get_qlist(chipsj, "chips");
    QDict *c = chip_list ? find_named(chip_list, chip_name) : NULL;
    if (!c) {
        error_setg(errp, "rk-mtk-drive: chip %s is not in chips.json", chip_name);
        return false;
    }
    RkChip *ch = &s->chip;
    int64_t v;
    pstrcpy(ch->name, sizeof(ch->name), chip_name);
    if (!num_of(qdict_get(c, "manufacturerId"), &v)) {
        goto bad_chip;
    }
    ch->mfr = v;
    if (!num_of(qdict_get(c, "deviceId"), &v)) {
        goto bad_chip;
    }
    ch->dev = v;
    if (!num_of(qdict_get(c, "sizeBytes"), &v)) {
        goto bad_chip;
    }
    ch->size = v;
    QDict *unlock = qdict_get_qdict(c, "unlock");
    if (!unlock) {
        goto bad_chip;
    }
    if (!num_of(qdict_get(unlock, "first"), &v)) {
        goto bad_chip;
    }
    ch->unlock1 = v;
    if (!num_of(qdict_get(unlock, "second"), &v)) {
        goto bad_chip;
    }
    ch->unlock2 = v;
    ch->mask = num_of(qdict_get(unlock, "mask"), &v) ? v : ch->size - 1;
    /* busy times: the datasheet's typical (the maximum when no typical is given) */
    const char *times[3] = { "programUs", "sectorEraseMs", "chipEraseMs" };
    uint32_t *dst[3] = { &ch->program_us, &ch->sector_erase_ms, &ch->chip_erase_ms };
    for (int i = 0; i < 3; i++) {
        QDict *t = qdict_get_qdict(c, times[i]);
        if (!t || !(num_of(qdict_get(t, "typical"), &v) || num_of(qdict_get(t, "maximum"), &v))) {
            goto bad_chip;
        }
        *dst[i] = v;
    }
    QList *sectors = qdict_get_qlist(c, "sectors");
    if (!sectors) {
        goto bad_chip;
    }
    const QListEntry *e;
    uint32_t off = 0, n = 0;
    QLIST_FOREACH_ENTRY(sectors, e) {
        QDict *sd = qobject_to(QDict, qlist_entry_obj(e));
        int64_t size, count;
        if (!sd || !num_of(qdict_get(sd, "size"), &size) || !num_of(qdict_get(sd, "count"), &count)) {
            goto bad_chip;
        }
        ch->sect_start = g_renew(uint32_t, ch->sect_start, n + count);
        ch->sect_size = g_renew(uint32_t, ch->sect_size, n + count);
        for (int64_t i = 0; i < count; i++, n++) {
            ch->sect_start[n] = off;
            ch->sect_size[n] = size;
            off += size;
        }
    }
    ch->nsect = n;
    if (off != ch->size) {
        error_setg(errp, "rk-mtk-drive: chip %s: sectors cover %u bytes, size is %u", chip_name, off, ch->size);
        return false;
    }

    /* the image family: identity, boot block and validity rule */
    const char *family_name = qdict_get_try_str(drive, "family");
    fams = load_json(dir, "families.json", errp);
    if (!fams) {
        return false;
    }
    QList *fam_list = qdict_get_qlist(fams, "families");
    QDict *f = family_name && fam_list ? find_named(fam_list, family_name) : NULL;
    if (!f) {
        error_setg(errp, "rk-mtk-drive: family '%s' is not in families.json", family_name ? family_name : "?");
        return false;
    }
    RkFamily *fa = &s->family;
    pstrcpy(fa->name, sizeof(fa->name), family_name);
    QString *vendor = qobject_to(QString, graded(f, "vendor"));
    pad_copy(fa->vendor, 8, vendor ? qstring_get_str(vendor) : "");
    QList *products = qobject_to(QList, graded(f, "products"));
    if (products) {
        QLIST_FOREACH_ENTRY(products, e) {
            QString *p = qobject_to(QString, qlist_entry_obj(e));
            if (p) {
                fa->products = g_renew(RkProduct, fa->products, fa->nproducts + 1);
                pad_copy(fa->products[fa->nproducts++].s, 16, qstring_get_str(p));
            }
        }
    }
    pad_copy(fa->product, 16, fa->nproducts ? fa->products[0].s : "");
    QDict *ident = qobject_to(QDict, graded(f, "identity"));
    fa->identity_fixed = ident && g_strcmp0(qdict_get_try_str(ident, "kind"), "fixed") == 0;
    if (fa->identity_fixed) {
        if (!num_of(qdict_get(ident, "vendorAt"), &fa->vendor_at) ||
            !num_of(qdict_get(ident, "productAt"), &fa->product_at) ||
            !num_of(qdict_get(ident, "revisionAt"), &fa->revision_at)) {
            error_setg(errp, "rk-mtk-drive: family %s: fixed identity without offsets", family_name);
            return false;
        }
    }
    QDict *boot = qobject_to(QDict, graded(f, "bootBlock"));
    int64_t bs = 0, bl = 0x10000;
    if (boot) {
        num_of(qdict_get(boot, "start"), &bs);
        num_of(qdict_get(boot, "length"), &bl);
    }
    fa->boot_start = bs;
    fa->boot_len = bl;
    QDict *val = qobject_to(QDict, graded(f, "validity"));
    pstrcpy(fa->validity, sizeof(fa->validity), val ? qdict_get_try_str(val, "kind") ?: "" : "");
    if (g_str_equal(fa->validity, "sum16-be")) {
        if (!num_of(qdict_get(val, "start"), &fa->v_start) || !num_of(qdict_get(val, "end"), &fa->v_end) ||
            !num_of(qdict_get(val, "storedAt"), &fa->v_stored)) {
            error_setg(errp, "rk-mtk-drive: family %s: sum16-be rule without start/end/storedAt", family_name);
            return false;
        }
    } else if (!g_str_equal(fa->validity, "sum16-total")) {
        error_setg(errp, "rk-mtk-drive: family %s: validity kind '%s' is not modelled", family_name, fa->validity);
        return false;
    }
    return true;

bad_chip:
    error_setg(errp, "rk-mtk-drive: chip %s in chips.json lacks an ID, size, unlock, time or sector map",
               chip_name);
    return false;
}

/* An offset of families.json: negative counts from the end of the image */
static int64_t at(RkMtkDrive *s, int64_t off)
{
    return off < 0 ? (int64_t)s->chip.size + off : off;
}

/* Does the flash hold a valid image for the profile? (the boot code's check before it starts the main
 * firmware, drives.json bootValidity [R6], rule from families.json) */
static bool image_valid(RkMtkDrive *s)
{
    RkFamily *fa = &s->family;
    if (g_str_equal(fa->validity, "sum16-be")) {
        int64_t start = at(s, fa->v_start), end = at(s, fa->v_end), stored = at(s, fa->v_stored);
        if (start < 0 || end >= s->chip.size || start > end || stored < 0 || stored + 1 >= s->chip.size) {
            return false;
        }
        uint16_t sum = 0;
        for (int64_t i = start; i <= end; i++) {
            sum += s->flash[i];
        }
        return sum == (uint16_t)((s->flash[stored] << 8) | s->flash[stored + 1]);
    }
    /* sum16-total: the sum is not stored in the image; main firmware after the boot block not erased */
    for (uint32_t i = fa->boot_start + fa->boot_len; i < s->chip.size; i++) {
        if (s->flash[i] != 0xFF) {
            return true;
        }
    }
    return false;
}

/* What INQUIRY and IDENTIFY PACKET DEVICE report: read from the image (§7 identity; R4 search) */
static void read_identity(RkMtkDrive *s)
{
    RkFamily *fa = &s->family;
    memcpy(s->inq_vendor, fa->vendor, 9);
    memcpy(s->inq_product, fa->product, 17);
    memcpy(s->inq_revision, "    ", 5);
    if (fa->identity_fixed) {
        int64_t v = at(s, fa->vendor_at), p = at(s, fa->product_at), r = at(s, fa->revision_at);
        if (v >= 0 && v + 8 <= s->chip.size && p >= 0 && p + 16 <= s->chip.size && r >= 0 &&
            r + 4 <= s->chip.size) {
            memcpy(s->inq_vendor, s->flash + v, 8);
            memcpy(s->inq_product, s->flash + p, 16);
            memcpy(s->inq_revision, s->flash + r, 4);
        }
        return;
    }
    /* search: the INQUIRY layout vendor(8) product(16) revision(4), found by one of the family's products */
    for (int k = 0; k < fa->nproducts; k++) {
        const char *prod = fa->products[k].s;
        for (uint32_t i = 8; i + 20 <= s->chip.size; i++) {
            if (s->flash[i] == (uint8_t)prod[0] && memcmp(s->flash + i, prod, 16) == 0) {
                memcpy(s->inq_vendor, s->flash + i - 8, 8);
                memcpy(s->inq_product, prod, 16);
                memcpy(s->inq_revision, s->flash + i + 16, 4);
                for (int j = 0; j < 4; j++) {
                    if (s->inq_revision[j] < 0x20 || s->inq_revision[j] > 0x7e) {
                        s->inq_revision[j] = ' ';
                    }
                }
                return;
            }
        }
    }
}

/* ------------------------------------------------------------------ flash file */

static void flash_writeback(RkMtkDrive *s, uint32_t off, uint32_t len)
{
    if (pwrite(s->flash_fd, s->flash + off, len, off) != (ssize_t)len) {
        warn_report("rk-mtk-drive: writing %s at 0x%x failed: %s", s->flash_path, off, strerror(errno));
    }
}

/* ------------------------------------------------------------------ the JEDEC chip (§5) */

static void chip_tick(RkMtkDrive *s)
{
    if (s->chip_busy_until && now_ns() >= s->chip_busy_until) {
        s->chip_busy_until = 0;
    }
}

static uint8_t chip_read(RkMtkDrive *s, uint32_t a)
{
    chip_tick(s);
    a %= s->chip.size;
    if (s->chip_busy_until) {
        /* busy: DQ7 data# polling (the complement of the programmed bit 7, 0 while erasing), DQ6 toggles */
        s->dq6 = !s->dq6;
        uint8_t dq7 = s->chip_erasing ? 0 : (~s->chip_poll_data & 0x80);
        return dq7 | (s->dq6 ? 0x40 : 0);
    }
    if (s->cc == CH_ID || s->cc == CH_ID_C1 || s->cc == CH_ID_C2) {
        /* software ID mode: A0 selects manufacturer (even) or device (odd) */
        return (a & 1) ? s->chip.dev : s->chip.mfr;
    }
    return s->flash[a];
}

static void chip_busy(RkMtkDrive *s, int64_t ns, bool erasing, uint8_t data)
{
    ns = ns * s->busy_scale / 100;            /* busy-scale=0: done by the next read */
    s->chip_busy_until = ns ? now_ns() + ns : 0;
    s->chip_erasing = erasing;
    s->chip_poll_data = data;
}

static void chip_write(RkMtkDrive *s, uint32_t a, uint8_t d)
{
    RkChip *c = &s->chip;
    chip_tick(s);
    a %= c->size;
    if (s->chip_busy_until) {
        return;                               /* ignored while an operation runs */
    }
    uint32_t m = a & c->mask;
    bool u1 = m == (c->unlock1 & c->mask), u2 = m == (c->unlock2 & c->mask);
    switch (s->cc) {
    case CH_PROG:
        s->flash[a] &= d;                     /* programming only clears bits */
        flash_writeback(s, a, 1);
        s->cc = CH_READ;
        chip_busy(s, (int64_t)c->program_us * SCALE_US, false, d);
        return;
    case CH_C1:
        s->cc = (u2 && d == 0x55) ? CH_C2 : CH_READ;
        return;
    case CH_C2:
        if (u1 && d == 0x90) {
            s->cc = CH_ID;
        } else if (u1 && d == 0xA0) {
            s->cc = CH_PROG;
        } else if (u1 && d == 0x80) {
            s->cc = CH_E3;
        } else {
            s->cc = CH_READ;                  /* F0 (ID exit) and anything else: read array */
        }
        return;
    case CH_E3:
        s->cc = (u1 && d == 0xAA) ? CH_E4 : CH_READ;
        return;
    case CH_E4:
        s->cc = (u2 && d == 0x55) ? CH_E5 : CH_READ;
        return;
    case CH_E5:
        s->cc = CH_READ;
        if (u1 && d == 0x10) {
            memset(s->flash, 0xFF, c->size);
            flash_writeback(s, 0, c->size);
            chip_busy(s, (int64_t)c->chip_erase_ms * SCALE_MS, true, 0xFF);
        } else if (d == 0x30) {
            for (uint32_t i = 0; i < c->nsect; i++) {
                if (a >= c->sect_start[i] && a < c->sect_start[i] + c->sect_size[i]) {
                    memset(s->flash + c->sect_start[i], 0xFF, c->sect_size[i]);
                    flash_writeback(s, c->sect_start[i], c->sect_size[i]);
                    chip_busy(s, (int64_t)c->sector_erase_ms * SCALE_MS, true, 0xFF);
                }
            }
        }
        return;
    case CH_ID:
    case CH_READ:
    case CH_ID_C1:
    case CH_ID_C2:
        break;
    }
    /* read-array or ID mode */
    bool in_id = s->cc == CH_ID || s->cc == CH_ID_C1 || s->cc == CH_ID_C2;
    if (d == 0xF0) {
        s->cc = CH_READ;                      /* single-cycle reset / ID exit */
    } else if (s->cc == CH_ID_C1) {
        s->cc = (u2 && d == 0x55) ? CH_ID_C2 : CH_ID;
    } else if (s->cc == CH_ID_C2) {
        s->cc = CH_ID;                        /* only F0 leaves ID mode (handled above) */
    } else if (u1 && d == 0xAA) {
        s->cc = in_id ? CH_ID_C1 : CH_C1;
    }
}

/* ------------------------------------------------------------------ ATA side */

static void set_irq(RkMtkDrive *s, bool level)
{
    s->intrq = level;
    qemu_set_irq(s->bus->irq, level && !(s->ctrl & CTL_NIEN));
}

static void set_signature(RkMtkDrive *s)
{
    /* ATAPI signature (§2) */
    s->nsect = 0x01;
    s->lbal = 0x01;
    s->lbam = 0x14;
    s->lbah = 0xEB;
    s->dev &= 0x10;
}

/* The drive (re)boots: BSY for a while, then the boot code checks the image and starts the main firmware
 * only when it is valid (drives.json bootValidity [R6]). */
static void start_boot(RkMtkDrive *s, uint32_t ms)
{
    s->power = BOOTING;
    s->status = ST_BSY;
    s->vendor_mode = false;
    s->phase = PH_IDLE;
    s->mb = MB_IDLE;
    s->cc = CH_READ;
    s->busy_until = s->stuck_bsy ? INT64_MAX : now_ns() + (int64_t)ms * SCALE_MS;
}

static void finish_boot(RkMtkDrive *s)
{
    s->power = RUNNING;
    s->busy_until = 0;
    s->fw = image_valid(s) ? FW_HEALTHY : FW_DEAD;
    read_identity(s);
    set_signature(s);
    s->err = 0x01;                            /* diagnostic: no error */
    s->status = 0x00;                         /* a packet device leaves DRDY clear after reset */
    s->feat = 0;
    s->sense_key = s->asc = s->ascq = 0;
}

static void tick(RkMtkDrive *s)
{
    if (s->power == BOOTING && now_ns() >= s->busy_until) {
        finish_boot(s);
    }
}

static void abort_cmd(RkMtkDrive *s)
{
    s->err = ER_ABRT;
    s->status = ST_DRDY | ST_ERR;
    s->phase = PH_IDLE;
    set_irq(s, true);
}

static void put_string(uint16_t *w, const char *src, int words)
{
    char tmp[41];
    int n = words * 2;
    pad_copy(tmp, n, src);
    for (int i = 0; i < words; i++) {
        w[i] = ((uint8_t)tmp[2 * i] << 8) | (uint8_t)tmp[2 * i + 1];
    }
}

static char *trimmed(const char *src, char *dst, size_t size)
{
    pstrcpy(dst, size, src);
    g_strstrip(dst);
    return dst;
}

static void identify_packet(RkMtkDrive *s)
{
    uint16_t w[256] = { 0 };
    char v[9], p[17], model[41];
    w[0] = 0x85C0;            /* ATAPI, CD/DVD device (05h), removable, 12-byte packets */
    put_string(&w[10], s->serial ? s->serial : "RKMTK0000001", 10);
    put_string(&w[23], s->inq_revision, 4);
    snprintf(model, sizeof(model), "%s %s", trimmed(s->inq_vendor, v, sizeof(v)),
             trimmed(s->inq_product, p, sizeof(p)));
    put_string(&w[27], model, 20);
    w[49] = 0x0200;           /* LBA; PIO only */
    w[53] = 0x0002;
    w[64] = 0x0003;           /* PIO 3 and 4 */
    w[80] = 0x0070;           /* ATA/ATAPI-4..6 */
    for (int i = 0; i < 256; i++) {
        s->buf[2 * i] = w[i] & 0xFF;
        s->buf[2 * i + 1] = w[i] >> 8;
    }
    s->buf_len = 512;
    s->buf_pos = 0;
    s->block_end = 512;
    s->phase = PH_PIO_IN;
    s->status = ST_DRDY | ST_DSC | ST_DRQ;
    set_irq(s, true);
}

static void atapi_error(RkMtkDrive *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
    s->sense_key = key;
    s->asc = asc;
    s->ascq = ascq;
    s->err = (key << 4) | (key == 0x05 ? ER_ABRT : 0);
    s->nsect = 0x03;          /* IO | CoD: completion */
    s->status = ST_DRDY | ST_ERR;
    s->phase = PH_IDLE;
    set_irq(s, true);
}

static void atapi_done(RkMtkDrive *s)
{
    s->nsect = 0x03;
    s->err = 0;
    s->status = ST_DRDY | ST_DSC;
    s->phase = PH_IDLE;
    set_irq(s, true);
}

static void atapi_next_block(RkMtkDrive *s)
{
    uint32_t left = s->buf_len - s->buf_pos;
    if (left == 0) {
        atapi_done(s);
        return;
    }
    uint32_t n = MIN(left, (uint32_t)(s->byte_limit & ~1u));
    if (n == 0) {
        n = MIN(left, 0xFFFEu);
    }
    s->block_end = s->buf_pos + n;
    s->lbam = n & 0xFF;
    s->lbah = n >> 8;
    s->nsect = 0x02;          /* IO: data to the host */
    s->status = ST_DRDY | ST_DSC | ST_DRQ;
    s->phase = PH_DATA_IN;
    set_irq(s, true);
}

static void atapi_command(RkMtkDrive *s, const uint8_t *cdb)
{
    uint32_t alloc;
    switch (cdb[0]) {
    case 0x00: /* TEST UNIT READY: no disc */
        atapi_error(s, 0x02, 0x3A, 0x00);
        return;
    case 0x03: /* REQUEST SENSE */
        memset(s->buf, 0, 18);
        s->buf[0] = 0x70;
        s->buf[2] = s->sense_key;
        s->buf[7] = 10;
        s->buf[12] = s->asc;
        s->buf[13] = s->ascq;
        s->sense_key = s->asc = s->ascq = 0;
        alloc = cdb[4];
        s->buf_len = MIN(18u, alloc);
        break;
    case 0x12: /* INQUIRY */
        memset(s->buf, 0, 36);
        s->buf[0] = 0x05;     /* CD/DVD */
        s->buf[1] = 0x80;     /* removable */
        s->buf[3] = 0x32;
        s->buf[4] = 31;
        memcpy(s->buf + 8, s->inq_vendor, 8);
        memcpy(s->buf + 16, s->inq_product, 16);
        memcpy(s->buf + 32, s->inq_revision, 4);
        alloc = (cdb[3] << 8) | cdb[4];
        s->buf_len = MIN(36u, alloc);
        break;
    default:
        atapi_error(s, 0x05, 0x20, 0x00);     /* ILLEGAL REQUEST, invalid command operation code */
        return;
    }
    s->buf_pos = 0;
    atapi_next_block(s);
}

static void exec_command(RkMtkDrive *s, uint8_t cmd)
{
    s->phase = PH_IDLE;
    if (s->vendor_mode) {
        /* In vendor mode the boot code watches the task file as a mailbox (§4); only DEVICE RESET (the
         * outro, §6 R3) leaves it. Other commands change nothing: the status stays 70h. */
        if (cmd == 0x08) {
            start_boot(s, s->reset_ms);
        }
        return;
    }
    switch (cmd) {
    case 0x08: /* DEVICE RESET: the drive reboots (§6) */
        start_boot(s, s->reset_ms);
        return;
    case 0x80: /* the vendor intro (§3): key 2Ah in LBA low; no other key has a known, safe effect */
        if (s->lbal == 0x2A) {
            s->vendor_mode = true;
            s->mb = MB_IDLE;
            s->status = 0x70;
            return;
        }
        abort_cmd(s);
        return;
    case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
        set_signature(s);
        s->err = 0x01;
        s->status = 0x00;
        set_irq(s, true);
        return;
    case 0xEC: /* IDENTIFY DEVICE: a packet device aborts it and shows its signature (§2) */
        abort_cmd(s);
        set_signature(s);
        return;
    case 0xA1: /* IDENTIFY PACKET DEVICE: only the main firmware answers it */
        if (s->fw == FW_HEALTHY) {
            identify_packet(s);
        } else {
            abort_cmd(s);
        }
        return;
    case 0xA0: /* PACKET */
        if (s->fw != FW_HEALTHY || (s->feat & 1)) {
            abort_cmd(s);
            return;
        }
        s->byte_limit = s->lbam | (s->lbah << 8);
        s->phase = PH_CDB;
        s->buf_pos = 0;
        s->nsect = 0x01;      /* CoD: send the command packet */
        s->status = ST_DRDY | ST_DSC | ST_DRQ;
        return;
    default:
        abort_cmd(s);
        return;
    }
}

/* The SC-code mailbox (§4), in vendor mode: the byte-for-byte sequences MtkFlash sends.
 *   write: SC←15; LBAH, LBAM = address; SC←20 (address latched); SC←40; SC←42; SC←01 (bus write of LBAL)
 *   read:  SC←15; LBAH, LBAM = address; SC←20 (address latched); SC←08 (bus read into LBAL)
 * A19..A16 come from the device register's head bits [R1], at the moment the address is latched. */
static void mailbox_sc(RkMtkDrive *s, uint8_t code)
{
    RkMailbox was = s->mb;
    s->mb = MB_IDLE;
    switch (code) {
    case 0x15:
        s->mb = MB_ADDR;
        if (was == MB_IDLE) {
            return;
        }
        break;                                /* a new operation before the last one ended */
    case 0x20:
        if (was == MB_ADDR) {
            s->mb_addr = ((uint32_t)(s->dev & 0x0F) << 16) | (s->lbah << 8) | s->lbam;
            s->mb = MB_LATCHED;
            return;
        }
        break;
    case 0x40:
        if (was == MB_LATCHED) {
            s->mb = MB_W40;
            return;
        }
        break;
    case 0x42:
        if (was == MB_W40) {
            s->mb = MB_W42;
            return;
        }
        break;
    case 0x01:
        if (was == MB_W42) {
            chip_write(s, s->mb_addr, s->lbal);
            return;
        }
        break;
    case 0x08:
        if (was == MB_LATCHED) {
            s->lbal = chip_read(s, s->mb_addr);
            return;
        }
        break;
    }
    if (s->protocol_errors++ < 20) {
        warn_report("rk-mtk-drive: mailbox: SC<-%02X after %d is not a step of §4; the operation is dropped",
                    code, was);
    }
}

/* ------------------------------------------------------------------ register access */

static uint16_t data_read(RkMtkDrive *s)
{
    if ((s->phase != PH_PIO_IN && s->phase != PH_DATA_IN) || s->buf_pos + 1 >= s->buf_len + 1) {
        return 0xFFFF;
    }
    uint16_t v = s->buf[s->buf_pos] | ((s->buf_pos + 1 < s->buf_len ? s->buf[s->buf_pos + 1] : 0) << 8);
    s->buf_pos += 2;
    if (s->buf_pos >= s->block_end) {
        if (s->buf_pos > s->buf_len) {
            s->buf_pos = s->buf_len;
        }
        if (s->phase == PH_PIO_IN) {
            s->phase = PH_IDLE;
            s->status = ST_DRDY | ST_DSC;
        } else {
            atapi_next_block(s);
        }
    }
    return v;
}

static void data_write(RkMtkDrive *s, uint16_t v)
{
    if (s->phase != PH_CDB) {
        return;
    }
    s->buf[s->buf_pos++] = v & 0xFF;
    s->buf[s->buf_pos++] = v >> 8;
    if (s->buf_pos >= 12) {
        uint8_t cdb[12];
        memcpy(cdb, s->buf, 12);
        s->status = ST_DRDY | ST_DSC;
        atapi_command(s, cdb);
    }
}

static uint8_t reg_read(RkMtkDrive *s, int reg)
{
    tick(s);
    if (s->power == BOOTING) {
        return ST_BSY;                         /* BSY: the other registers are not valid either */
    }
    switch (reg) {
    case R_ERR:   return s->err;
    case R_NSECT: return s->nsect;
    case R_LBAL:  return s->lbal;
    case R_LBAM:  return s->lbam;
    case R_LBAH:  return s->lbah;
    case R_DEV:   return s->dev;
    case R_CMD:
        set_irq(s, false);
        return s->status;
    case R_CTRL:  return s->status;
    }
    return 0xFF;
}

static void reg_write(RkMtkDrive *s, int reg, uint8_t v, bool selected)
{
    tick(s);
    if (reg == R_CTRL) {
        bool srst_release = (s->ctrl & CTL_SRST) && !(v & CTL_SRST);
        s->ctrl = v;
        if (v & CTL_SRST) {
            s->status = ST_BSY;
            if (s->power == RUNNING) {
                s->power = BOOTING;
                s->busy_until = INT64_MAX;     /* held in reset until SRST is released */
            }
        } else if (srst_release && s->power == BOOTING && !s->stuck_bsy) {
            start_boot(s, s->reset_ms);
        }
        set_irq(s, s->intrq);
        return;
    }
    if (s->power == BOOTING) {
        /* BSY: writes are ignored, except DEVICE RESET, which a packet device takes even when busy; a drive
         * hung with BSY at power-on (stuck-bsy) takes nothing */
        if (reg == R_CMD && v == 0x08 && selected && !s->stuck_bsy && !(s->ctrl & CTL_SRST)) {
            start_boot(s, s->reset_ms);
        }
        return;
    }
    switch (reg) {
    case R_ERR:
        s->feat = v;
        return;
    case R_NSECT:
        s->nsect = v;
        if (s->vendor_mode && selected) {
            mailbox_sc(s, v);
        }
        return;
    case R_LBAL: s->lbal = v; return;
    case R_LBAM: s->lbam = v; return;
    case R_LBAH: s->lbah = v; return;
    case R_DEV:  s->dev = v;  return;
    case R_CMD:
        if (selected) {
            set_irq(s, false);
            exec_command(s, v);
        }
        return;
    }
}

/* ------------------------------------------------------------------ the port hook */

static void log_access(RkMtkDrive *s, bool write, uint32_t port, uint32_t v, bool word)
{
    if (s->log) {
        fprintf(s->log, word ? "%c %03X %04X\n" : "%c %03X %02X\n", write ? 'W' : 'R', port, v);
    }
}

static uint32_t port_of(RkMtkDrive *s, bool ctrl, uint32_t addr)
{
    return ctrl ? s->bus->raw_iobase2 : s->bus->raw_iobase + (addr & 7);
}

/* Does this device drive the bus for this access? When its unit is selected; and, powered off with no
 * other device on the cable, nobody drives it (the lines float high). */
static bool ours(RkMtkDrive *s)
{
    if (s->sel == s->parent_obj.unit) {
        return true;
    }
    IDEDevice *other = s->parent_obj.unit ? s->bus->master : s->bus->slave;
    return other == NULL && s->power == POWER_OFF;
}

static uint32_t hook_read(IDERawPortHook *h, IDEBus *bus, bool ctrl, uint32_t addr, unsigned size)
{
    RkMtkDrive *s = container_of(h, RkMtkDrive, hook);
    int reg = ctrl ? R_CTRL : (int)(addr & 7);
    uint32_t port = port_of(s, ctrl, addr);
    uint32_t v;
    if (reg == R_DATA && size >= 2) {
        /* the data port: 16-bit words (a 32-bit access is two words, low first) */
        uint32_t words = size / 2, out = 0;
        for (uint32_t i = 0; i < words; i++) {
            uint16_t w;
            if (!ours(s)) {
                w = ide_data_readw(bus, addr);
            } else {
                tick(s);
                w = s->power == RUNNING ? data_read(s) : 0xFFFF;
            }
            log_access(s, false, port, w, true);
            out |= (uint32_t)w << (16 * i);
        }
        return out;
    }
    if (!ours(s)) {
        v = ctrl ? ide_status_read(bus, addr) : ide_ioport_read(bus, addr);
    } else if (s->power == POWER_OFF) {
        v = 0xFF;
    } else if (reg == R_DATA) {
        v = data_read(s) & 0xFF;               /* a byte read of the data port moves one word */
    } else {
        v = reg_read(s, reg);
    }
    log_access(s, false, port, v, false);
    return v;
}

static void hook_write(IDERawPortHook *h, IDEBus *bus, bool ctrl, uint32_t addr, unsigned size, uint32_t val)
{
    RkMtkDrive *s = container_of(h, RkMtkDrive, hook);
    int reg = ctrl ? R_CTRL : (int)(addr & 7);
    uint32_t port = port_of(s, ctrl, addr);
    bool mine = ours(s);
    if (reg == R_DATA) {
        uint32_t words = size >= 2 ? size / 2 : 1;
        for (uint32_t i = 0; i < words; i++) {
            uint16_t w = val >> (16 * i);
            log_access(s, true, port, w, size >= 2);
            if (!mine) {
                ide_data_writew(bus, addr, w);
            } else if (s->power == RUNNING) {
                data_write(s, w);
            }
        }
        return;
    }
    log_access(s, true, port, val & 0xFF, false);
    if (reg == R_DEV) {
        s->sel = (val >> 4) & 1;               /* selection is the cable's: it happens even while BSY */
        mine = ours(s);
    }
    /* Both devices on a cable see every write to the task file; only the selected one runs a command. */
    if (s->power != POWER_OFF) {
        reg_write(s, reg, val, mine);
    }
    if (ctrl) {
        ide_ctrl_write(bus, addr, val);
    } else if (reg != R_CMD || !mine) {
        ide_ioport_write(bus, addr, val);
    }
}

/* ------------------------------------------------------------------ power (qom-set power) */

static void set_power(RkMtkDrive *s, bool on)
{
    if (on && s->power == POWER_OFF) {
        start_boot(s, s->boot_ms);
    } else if (!on && s->power != POWER_OFF) {
        s->power = POWER_OFF;
        s->vendor_mode = false;
        s->phase = PH_IDLE;
        s->chip_busy_until = 0;
        set_irq(s, false);
    }
}

static bool rk_get_power(Object *obj, Error **errp)
{
    return RK_MTK_DRIVE(obj)->power_prop;
}

static void rk_set_power(Object *obj, bool value, Error **errp)
{
    RkMtkDrive *s = RK_MTK_DRIVE(obj);
    s->power_prop = value;
    if (s->bus) {                              /* realized: plug or unplug the power connector now */
        set_power(s, value);
    }
}

/* ------------------------------------------------------------------ life cycle */

/* QEMU does not unrealize board devices at exit: flush the log and the flash file here */
static void rk_exit(Notifier *n, void *data)
{
    RkMtkDrive *s = container_of(n, RkMtkDrive, exit_notifier);
    if (s->log) {
        fflush(s->log);
    }
    if (s->flash_fd >= 0) {
        fsync(s->flash_fd);
    }
}

static void rk_realize(IDEDevice *dev, Error **errp)
{
    RkMtkDrive *s = RK_MTK_DRIVE(dev);
    IDEBus *bus = DO_UPCAST(IDEBus, qbus, dev->qdev.parent_bus);

    if (!s->flash_path || !s->profile_name) {
        error_setg(errp, "rk-mtk-drive: flash=FILE and profile=NAME are required");
        return;
    }
    if (!bus->raw_iobase) {
        error_setg(errp, "rk-mtk-drive: bus %s has no legacy task-file ports (use the PIIX ide.0/ide.1)",
                   bus->qbus.name);
        return;
    }
    if (bus->raw_hook) {
        error_setg(errp, "rk-mtk-drive: one rk-mtk-drive per IDE bus");
        return;
    }
    if (!load_profile(s, errp)) {
        return;
    }
    s->flash_fd = open(s->flash_path, O_RDWR);
    if (s->flash_fd < 0) {
        error_setg_errno(errp, errno, "rk-mtk-drive: cannot open flash=%s", s->flash_path);
        return;
    }
    struct stat st;
    if (fstat(s->flash_fd, &st) < 0 || st.st_size != s->chip.size) {
        error_setg(errp, "rk-mtk-drive: flash=%s is %lld bytes; the %s of profile %s holds %u",
                   s->flash_path, (long long)st.st_size, s->chip.name, s->profile_name, s->chip.size);
        close(s->flash_fd);
        return;
    }
    s->flash = g_malloc(s->chip.size);
    if (pread(s->flash_fd, s->flash, s->chip.size, 0) != s->chip.size) {
        error_setg_errno(errp, errno, "rk-mtk-drive: reading flash=%s", s->flash_path);
        close(s->flash_fd);
        return;
    }
    if (s->log_path) {
        s->log = fopen(s->log_path, "w");
        if (!s->log) {
            error_setg_errno(errp, errno, "rk-mtk-drive: cannot create log=%s", s->log_path);
            return;
        }
        setvbuf(s->log, NULL, _IOFBF, 1 << 20);
    }
    bool want_dead = s->state_name && g_str_equal(s->state_name, "dead");
    bool want_healthy = s->state_name && g_str_equal(s->state_name, "healthy");
    if (s->state_name && !want_dead && !want_healthy) {
        error_setg(errp, "rk-mtk-drive: state must be dead or healthy");
        return;
    }

    s->bus = bus;
    s->hook.read = hook_read;
    s->hook.write = hook_write;
    bus->raw_hook = &s->hook;
    s->dev = dev->unit ? 0x10 : 0;
    s->sel = 0;
    s->power = POWER_OFF;
    if (s->power_prop) {
        start_boot(s, 0);
        if (!s->stuck_bsy) {
            finish_boot(s);
        }
    }
    /* state= is what runs at start (without it, the boot code's check of the image decides); from the next
     * reset or power cycle on, the check decides. */
    if (s->power == RUNNING && (want_dead || want_healthy)) {
        s->fw = want_dead ? FW_DEAD : FW_HEALTHY;
    }
    s->exit_notifier.notify = rk_exit;
    qemu_add_exit_notifier(&s->exit_notifier);
    info_report("rk-mtk-drive: %s on %s unit %u (ports %03X/%03X), chip %s %02X/%02X, %u KiB, image %s, "
                "identity '%.8s' '%.16s' '%.4s', power %s%s",
                s->profile_name, bus->qbus.name, dev->unit, bus->raw_iobase, bus->raw_iobase2, s->chip.name,
                s->chip.mfr, s->chip.dev, s->chip.size / 1024, image_valid(s) ? "valid" : "not valid",
                s->inq_vendor, s->inq_product, s->inq_revision, s->power_prop ? "on" : "off",
                s->stuck_bsy ? ", stuck BSY" : "");
}

static void rk_unrealize(DeviceState *d)
{
    RkMtkDrive *s = RK_MTK_DRIVE(d);
    if (s->bus && s->bus->raw_hook == &s->hook) {
        s->bus->raw_hook = NULL;
    }
    if (s->log) {
        fclose(s->log);
        s->log = NULL;
    }
    if (s->flash_fd >= 0) {
        fsync(s->flash_fd);
        close(s->flash_fd);
        s->flash_fd = -1;
    }
}

static void rk_reset(DeviceState *d)
{
    RkMtkDrive *s = RK_MTK_DRIVE(d);
    if (s->log) {
        fflush(s->log);
    }
    /* a machine reset is not a power cycle of the drive: its own state carries on */
}

static void rk_instance_init(Object *obj)
{
    RkMtkDrive *s = RK_MTK_DRIVE(obj);
    s->flash_fd = -1;
    s->power_prop = true;
    object_property_add_bool(obj, "power", rk_get_power, rk_set_power);
}

static void rk_instance_finalize(Object *obj)
{
    RkMtkDrive *s = RK_MTK_DRIVE(obj);
    if (s->log) {
        fclose(s->log);
    }
    g_free(s->flash);
    g_free(s->chip.sect_start);
    g_free(s->chip.sect_size);
    g_free(s->family.products);
}

static Property rk_properties[] = {
    DEFINE_PROP_STRING("flash", RkMtkDrive, flash_path),
    DEFINE_PROP_STRING("profile", RkMtkDrive, profile_name),
    DEFINE_PROP_STRING("state", RkMtkDrive, state_name),
    DEFINE_PROP_STRING("serial", RkMtkDrive, serial),
    DEFINE_PROP_STRING("log", RkMtkDrive, log_path),
    DEFINE_PROP_STRING("profiles", RkMtkDrive, profiles_dir),
    DEFINE_PROP_BOOL("stuck-bsy", RkMtkDrive, stuck_bsy, false),
    DEFINE_PROP_UINT32("boot-ms", RkMtkDrive, boot_ms, 500),
    DEFINE_PROP_UINT32("reset-ms", RkMtkDrive, reset_ms, 200),
    DEFINE_PROP_UINT32("busy-scale", RkMtkDrive, busy_scale, 100),
    DEFINE_PROP_END_OF_LIST(),
};

static void rk_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    IDEDeviceClass *k = IDE_DEVICE_CLASS(klass);
    k->realize = rk_realize;
    dc->unrealize = rk_unrealize;
    dc->reset = rk_reset;
    dc->fw_name = "drive";
    dc->desc = "MediaTek ATAPI drive with vendor-mode flash access (RecoveryKit tests)";
    dc->user_creatable = true;
    device_class_set_props(dc, rk_properties);
}

static const TypeInfo rk_info = {
    .name = TYPE_RK_MTK_DRIVE,
    .parent = TYPE_IDE_DEVICE,
    .instance_size = sizeof(RkMtkDrive),
    .instance_init = rk_instance_init,
    .instance_finalize = rk_instance_finalize,
    .class_init = rk_class_init,
};

static void rk_register_types(void)
{
    type_register_static(&rk_info);
}

type_init(rk_register_types)
