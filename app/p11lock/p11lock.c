/*
 * p11lock: a PKCS#11 module that stands in front of another module
 * (SoftHSM2 by default) and adds what a real USB key has and SoftHSM lacks:
 *
 *  - a user-PIN retry counter and lockout per token. Wrong user PINs
 *    (C_Login CKU_USER or CKU_CONTEXT_SPECIFIC, C_SetPIN with a wrong old
 *    PIN) count down; C_GetTokenInfo reports CKF_USER_PIN_COUNT_LOW after a
 *    failure, CKF_USER_PIN_FINAL_TRY with one try left and CKF_USER_PIN_LOCKED
 *    at zero, when C_Login(CKU_USER) answers CKR_PIN_LOCKED even for the
 *    right PIN. A right PIN resets the counter; C_InitPIN by the SO (unlock)
 *    and C_InitToken reset it and clear the lock.
 *  - plugging and pulling keys: a token whose serial (or "blank" for an
 *    uninitialised token) is a line of <state_dir>/pulled is not present:
 *    its slot lacks CKF_TOKEN_PRESENT, C_GetSlotList(TRUE) skips it,
 *    C_GetTokenInfo and C_OpenSession answer CKR_TOKEN_NOT_PRESENT, and any
 *    call on one of its sessions closes all its sessions (as a removal does)
 *    and answers CKR_DEVICE_REMOVED.
 *
 * Environment:
 *   RK_P11LOCK_MODULE     the real module (default /usr/lib/softhsm/libsofthsm2.so)
 *   RK_P11LOCK_MAX_TRIES  wrong PINs before a token locks (default 5); a file
 *                         <state_dir>/<serial>.max holding a number overrides it
 *                         for one token
 *   RK_P11LOCK_STATE_DIR  where the state lives; default: the folder "p11lock"
 *                         next to SoftHSM's directories.tokendir (read from
 *                         $SOFTHSM2_CONF or /etc/softhsm/softhsm2.conf)
 *   RK_P11LOCK_PULL_AT    "certificate": the key is pulled just as a
 *                         certificate is written to it (C_CreateObject of a
 *                         CKO_CERTIFICATE): its serial joins the pulled list
 *                         and the call answers CKR_DEVICE_REMOVED, as a key
 *                         pulled mid-write does (for tests of that moment)
 *
 * State: <state_dir>/<serial>.pin holds the count of consecutive wrong PINs,
 * replaced atomically (write + rename) while holding flock() on
 * <state_dir>/<serial>.lock, and that lock is held across the real C_Login so
 * two processes cannot both spend the same try. The SO PIN is not counted.
 *
 * Besides C_GetFunctionList the module exports p11lock_GetPinTries() so a
 * caller that knows it talks to p11lock can show the exact tries left (a real
 * key only tells the flags).
 *
 * Global state (the real module, the state folder, the cache of the pulled
 * list and of slot serials) is guarded by one mutex; the module accepts
 * CKF_OS_LOCKING_OK and passes the caller's arguments to the real module.
 */
#define _GNU_SOURCE
#include <p11-kit/pkcs11.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define P11LOCK_EXPORT    __attribute__((visibility("default")))
#define DEFAULT_MODULE    "/usr/lib/softhsm/libsofthsm2.so"
#define DEFAULT_MAX_TRIES 5
#define MAX_PULLED        64
#define MAX_SLOTS         64
#define SERIAL_LEN        16

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static void *g_dl;
static CK_FUNCTION_LIST *R; /* the real module's list */
static CK_FUNCTION_LIST g_list;
static char g_state_dir[PATH_MAX];
static char g_token_dir[PATH_MAX]; /* SoftHSM's directories.tokendir */

/* The pulled list, re-read when the file changes. */
static struct {
    struct timespec mtime;
    ino_t ino;
    off_t size;
    int loaded;
    int n;
    char serial[MAX_PULLED][SERIAL_LEN + 1];
} g_pulled;

/* Slot id -> serial ("blank" for an uninitialised token), filled lazily. */
static struct {
    CK_SLOT_ID id;
    char serial[SERIAL_LEN + 1];
} g_slots[MAX_SLOTS];
static int g_nslots;

/* ---- state folder -------------------------------------------------------- */

static void trim_copy(char *out, size_t n, const unsigned char *p, size_t len)
{
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\0'))
        len--;
    if (len >= n) len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

/* The state folder from the environment or SoftHSM's configuration. */
static void resolve_state_dir(void)
{
    const char *env = getenv("RK_P11LOCK_STATE_DIR");
    if (env && *env) {
        snprintf(g_state_dir, sizeof g_state_dir, "%s", env);
        return;
    }
    const char *conf = getenv("SOFTHSM2_CONF");
    FILE *f = fopen(conf && *conf ? conf : "/etc/softhsm/softhsm2.conf", "r");
    char line[PATH_MAX + 64], tokendir[PATH_MAX] = "/var/lib/softhsm/tokens";
    if (f) {
        while (fgets(line, sizeof line, f)) {
            char *p = line;
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "directories.tokendir", 20) != 0) continue;
            p = strchr(p, '=');
            if (!p) continue;
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            size_t len = strcspn(p, "\r\n");
            while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '/'))
                len--;
            if (len > 0 && len < sizeof tokendir) {
                memcpy(tokendir, p, len);
                tokendir[len] = '\0';
            }
        }
        fclose(f);
    }
    snprintf(g_token_dir, sizeof g_token_dir, "%s", tokendir);
    char *slash = strrchr(tokendir, '/');
    if (slash && slash != tokendir)
        *slash = '\0';
    else if (slash)
        tokendir[1] = '\0';
    snprintf(g_state_dir, sizeof g_state_dir, "%s/p11lock", tokendir);
}

static int state_path(char *out, size_t n, const char *serial, const char *ext)
{
    int k = snprintf(out, n, "%s/%s%s", g_state_dir, serial, ext);
    return k > 0 && (size_t)k < n ? 0 : -1;
}

static int ensure_state_dir(void)
{
    if (mkdir(g_state_dir, 0700) == 0 || errno == EEXIST) return 0;
    return -1;
}

/* ---- the pulled list ----------------------------------------------------- */

/* Re-reads <state_dir>/pulled if it changed. Caller holds g_mu. */
static void refresh_pulled(void)
{
    char path[PATH_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/pulled", g_state_dir);
    if (stat(path, &st) != 0) {
        g_pulled.n = 0;
        g_pulled.loaded = 0;
        return;
    }
    if (g_pulled.loaded && st.st_ino == g_pulled.ino && st.st_size == g_pulled.size &&
        st.st_mtim.tv_sec == g_pulled.mtime.tv_sec && st.st_mtim.tv_nsec == g_pulled.mtime.tv_nsec)
        return;
    g_pulled.n = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[128];
    while (g_pulled.n < MAX_PULLED && fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, " \t\r\n#");
        if (len == 0 || len > SERIAL_LEN) continue;
        memcpy(g_pulled.serial[g_pulled.n], p, len);
        g_pulled.serial[g_pulled.n][len] = '\0';
        g_pulled.n++;
    }
    fclose(f);
    g_pulled.loaded = 1;
    g_pulled.ino = st.st_ino;
    g_pulled.size = st.st_size;
    g_pulled.mtime = st.st_mtim;
}

static int is_pulled(const char *serial)
{
    for (int i = 0; i < g_pulled.n; i++)
        if (!strcmp(g_pulled.serial[i], serial)) return 1;
    return 0;
}

/* The serial of the token in slot, or "blank" for an uninitialised one.
 * Caller holds g_mu. */
static CK_RV slot_serial(CK_SLOT_ID slot, char *out)
{
    for (int i = 0; i < g_nslots; i++)
        if (g_slots[i].id == slot) {
            memcpy(out, g_slots[i].serial, SERIAL_LEN + 1);
            return CKR_OK;
        }
    CK_TOKEN_INFO ti;
    CK_RV rv = R->C_GetTokenInfo(slot, &ti);
    if (rv != CKR_OK) return rv;
    if (!(ti.flags & CKF_TOKEN_INITIALIZED))
        strcpy(out, "blank");
    else
        trim_copy(out, SERIAL_LEN + 1, ti.serialNumber, sizeof ti.serialNumber);
    if (!(ti.flags & CKF_TOKEN_INITIALIZED)) return CKR_OK; /* may change: do not cache */
    if (g_nslots < MAX_SLOTS) {
        g_slots[g_nslots].id = slot;
        memcpy(g_slots[g_nslots].serial, out, SERIAL_LEN + 1);
        g_nslots++;
    }
    return CKR_OK;
}

/* 1 if the token in slot is pulled. */
static int slot_pulled(CK_SLOT_ID slot)
{
    char serial[SERIAL_LEN + 1];
    int pulled = 0;
    pthread_mutex_lock(&g_mu);
    refresh_pulled();
    if (g_pulled.n > 0 && slot_serial(slot, serial) == CKR_OK) pulled = is_pulled(serial);
    pthread_mutex_unlock(&g_mu);
    return pulled;
}

/* CKR_DEVICE_REMOVED (after closing the token's sessions) if the session's
 * token is pulled, else CKR_OK. */
static CK_RV session_check(CK_SESSION_HANDLE s)
{
    CK_SESSION_INFO si;
    int empty;
    pthread_mutex_lock(&g_mu);
    refresh_pulled();
    empty = g_pulled.n == 0;
    pthread_mutex_unlock(&g_mu);
    if (empty) return CKR_OK;
    if (R->C_GetSessionInfo(s, &si) != CKR_OK) return CKR_OK; /* let the module answer */
    if (!slot_pulled(si.slotID)) return CKR_OK;
    R->C_CloseAllSessions(si.slotID);
    return CKR_DEVICE_REMOVED;
}

#define CHECK_SESSION(s)                                                                           \
    do {                                                                                           \
        CK_RV check_rv_ = session_check(s);                                                        \
        if (check_rv_ != CKR_OK) return check_rv_;                                                 \
    } while (0)

/* ---- the retry counter --------------------------------------------------- */

static int max_tries(const char *serial)
{
    char path[PATH_MAX + 32];
    int max = DEFAULT_MAX_TRIES;
    const char *env = getenv("RK_P11LOCK_MAX_TRIES");
    if (env && atoi(env) > 0) max = atoi(env);
    if (state_path(path, sizeof path, serial, ".max") == 0) {
        FILE *f = fopen(path, "r");
        if (f) {
            int v;
            if (fscanf(f, "%d", &v) == 1 && v > 0) max = v;
            fclose(f);
        }
    }
    return max;
}

static int read_failures(const char *serial)
{
    char path[PATH_MAX + 32];
    int v = 0;
    if (state_path(path, sizeof path, serial, ".pin") != 0) return 0;
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    if (fscanf(f, "%d", &v) != 1 || v < 0) v = 0;
    fclose(f);
    return v;
}

static void write_failures(const char *serial, int v)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
    if (state_path(path, sizeof path, serial, ".pin") != 0 || ensure_state_dir() != 0) return;
    if (v == 0) {
        unlink(path);
        return;
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    int ok = fprintf(f, "%d\n", v) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

/* Takes the per-token lock; returns the fd (or -1, then the caller goes on
 * unlocked: the counter still works, only the race is back). */
static int lock_token(const char *serial)
{
    char path[PATH_MAX + 32];
    if (state_path(path, sizeof path, serial, ".lock") != 0 || ensure_state_dir() != 0) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) break;
    return fd;
}

static void unlock_token(int fd)
{
    if (fd >= 0) close(fd); /* closing drops the flock */
}

/* The session's token serial; CKR_OK or the module's error. */
static CK_RV session_serial(CK_SESSION_HANDLE s, char *serial, CK_SESSION_INFO *si)
{
    CK_RV rv = R->C_GetSessionInfo(s, si);
    if (rv != CKR_OK) return rv;
    pthread_mutex_lock(&g_mu);
    rv = slot_serial(si->slotID, serial);
    pthread_mutex_unlock(&g_mu);
    return rv;
}

/* Runs a user-PIN check (login or set PIN) under the lock and counts. */
static CK_RV counted(const char *serial, CK_RV (*op)(void *), void *arg)
{
    int fd = lock_token(serial);
    int fails = read_failures(serial), max = max_tries(serial);
    CK_RV rv;
    if (fails >= max) {
        rv = CKR_PIN_LOCKED;
    } else {
        rv = op(arg);
        if (rv == CKR_PIN_INCORRECT)
            write_failures(serial, fails + 1);
        else if (rv == CKR_OK && fails != 0)
            write_failures(serial, 0);
    }
    unlock_token(fd);
    return rv;
}

static void reset_counter(const char *serial)
{
    int fd = lock_token(serial);
    write_failures(serial, 0);
    unlock_token(fd);
}

/* ---- crash safety of SoftHSM's token files ----------------------------------
 *
 * SoftHSM's file store rewrites a token's token.object on every login
 * (truncate, then write): a process killed in between leaves an empty file
 * and the whole token - every key on it - is gone. A real USB key or HSM
 * does not lose itself when the power goes. So before forwarding a login
 * or a PIN change p11lock keeps a copy (token.object.rkbak, replaced
 * atomically), and at C_Initialize it puts the copy back over a
 * token.object shorter than it: the rewrite never happened, as on a device
 * whose write was cut off. */

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Copies from to to through a temporary file and rename. */
static int copy_atomic(const char *from, const char *to)
{
    char tmp[PATH_MAX + 16], buf[8192];
    int in = open(from, O_RDONLY | O_CLOEXEC), out, ok = 1;
    ssize_t n;
    if (in < 0) return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0 && fsync(out) == 0;
    close(in);
    close(out);
    if (!ok || rename(tmp, to) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void repair_token_files(void)
{
    DIR *d = opendir(g_token_dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char obj[PATH_MAX], bak[PATH_MAX + 8];
        if (e->d_name[0] == '.') continue;
        snprintf(obj, sizeof obj, "%s/%s/token.object", g_token_dir, e->d_name);
        snprintf(bak, sizeof bak, "%s.rkbak", obj);
        long have = file_size(obj), saved = file_size(bak);
        if (saved > 0 && have < saved) copy_atomic(bak, obj);
    }
    if (d) closedir(d);
}

/* Keeps a copy of the token.object that holds serial, before SoftHSM
 * rewrites it. */
static void backup_token_file(const char *serial)
{
    DIR *d = opendir(g_token_dir);
    struct dirent *e;
    size_t sl = strlen(serial);
    while (d && sl && (e = readdir(d))) {
        char obj[PATH_MAX], bak[PATH_MAX + 8], buf[4096];
        if (e->d_name[0] == '.') continue;
        snprintf(obj, sizeof obj, "%s/%s/token.object", g_token_dir, e->d_name);
        int fd = open(obj, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n > 0 && memmem(buf, (size_t)n, serial, sl)) {
            snprintf(bak, sizeof bak, "%s.rkbak", obj);
            copy_atomic(obj, bak);
            break;
        }
    }
    if (d) closedir(d);
}

/* ---- the functions p11lock changes --------------------------------------- */

static CK_RV w_Initialize(void *init_args)
{
    pthread_mutex_lock(&g_mu);
    resolve_state_dir();
    g_nslots = 0;
    g_pulled.loaded = 0;
    g_pulled.n = 0;
    repair_token_files();
    pthread_mutex_unlock(&g_mu);
    return R->C_Initialize(init_args);
}

static CK_RV w_Finalize(void *reserved)
{
    pthread_mutex_lock(&g_mu);
    g_nslots = 0;
    pthread_mutex_unlock(&g_mu);
    return R->C_Finalize(reserved);
}

static CK_RV w_GetFunctionList(CK_FUNCTION_LIST **function_list);

static CK_RV w_GetSlotList(unsigned char token_present, CK_SLOT_ID *slot_list, unsigned long *count)
{
    CK_ULONG n = 0, kept = 0;
    CK_SLOT_ID *all;
    CK_RV rv;

    if (!token_present) return R->C_GetSlotList(token_present, slot_list, count);
    if (!count) return CKR_ARGUMENTS_BAD;
    if ((rv = R->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) return rv;
    all = calloc(n ? n : 1, sizeof *all);
    if (!all) return CKR_HOST_MEMORY;
    if ((rv = R->C_GetSlotList(CK_TRUE, all, &n)) != CKR_OK) {
        free(all);
        return rv;
    }
    for (CK_ULONG i = 0; i < n; i++)
        if (!slot_pulled(all[i])) all[kept++] = all[i];
    if (slot_list) {
        if (*count < kept) {
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            memcpy(slot_list, all, kept * sizeof *all);
        }
    }
    *count = kept;
    free(all);
    return rv;
}

static CK_RV w_GetSlotInfo(CK_SLOT_ID slot_id, CK_SLOT_INFO *info)
{
    CK_RV rv = R->C_GetSlotInfo(slot_id, info);
    if (rv == CKR_OK && (info->flags & CKF_TOKEN_PRESENT) && slot_pulled(slot_id))
        info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
    return rv;
}

static CK_RV w_GetTokenInfo(CK_SLOT_ID slot_id, CK_TOKEN_INFO *info)
{
    char serial[SERIAL_LEN + 1];
    if (slot_pulled(slot_id)) return CKR_TOKEN_NOT_PRESENT;
    CK_RV rv = R->C_GetTokenInfo(slot_id, info);
    if (rv != CKR_OK || !(info->flags & CKF_TOKEN_INITIALIZED)) return rv;
    trim_copy(serial, sizeof serial, info->serialNumber, sizeof info->serialNumber);
    pthread_mutex_lock(&g_mu);
    int fails = read_failures(serial), max = max_tries(serial);
    pthread_mutex_unlock(&g_mu);
    info->flags &=
        ~(CK_FLAGS)(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (fails >= max)
        info->flags |= CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW;
    else if (fails > 0)
        info->flags |= CKF_USER_PIN_COUNT_LOW | (max - fails == 1 ? CKF_USER_PIN_FINAL_TRY : 0);
    return rv;
}

static CK_RV w_InitToken(CK_SLOT_ID slot_id, unsigned char *pin, unsigned long pin_len,
                         unsigned char *label)
{
    char serial[SERIAL_LEN + 1];
    CK_TOKEN_INFO ti;
    if (slot_pulled(slot_id)) return CKR_TOKEN_NOT_PRESENT;
    CK_RV rv = R->C_InitToken(slot_id, pin, pin_len, label);
    pthread_mutex_lock(&g_mu);
    for (int i = 0; i < g_nslots; i++) /* re-initialised: forget that slot's serial */
        if (g_slots[i].id == slot_id) g_slots[i] = g_slots[--g_nslots];
    pthread_mutex_unlock(&g_mu);
    if (rv == CKR_OK && R->C_GetTokenInfo(slot_id, &ti) == CKR_OK) {
        trim_copy(serial, sizeof serial, ti.serialNumber, sizeof ti.serialNumber);
        if (*serial) reset_counter(serial);
    }
    return rv;
}

static CK_RV w_InitPIN(CK_SESSION_HANDLE session, unsigned char *pin, unsigned long pin_len)
{
    char serial[SERIAL_LEN + 1];
    CK_SESSION_INFO si;
    CHECK_SESSION(session);
    CK_RV rv = R->C_InitPIN(session, pin, pin_len);
    if (rv == CKR_OK && session_serial(session, serial, &si) == CKR_OK) reset_counter(serial);
    return rv;
}

struct login_args {
    CK_SESSION_HANDLE s;
    CK_USER_TYPE user;
    unsigned char *pin, *new_pin;
    unsigned long len, new_len;
};

static CK_RV do_login(void *p)
{
    struct login_args *a = p;
    return R->C_Login(a->s, a->user, a->pin, a->len);
}

static CK_RV do_setpin(void *p)
{
    struct login_args *a = p;
    return R->C_SetPIN(a->s, a->pin, a->len, a->new_pin, a->new_len);
}

static CK_RV w_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user_type, unsigned char *pin,
                     unsigned long pin_len)
{
    char serial[SERIAL_LEN + 1];
    CK_SESSION_INFO si;
    CHECK_SESSION(session);
    CK_RV rv = session_serial(session, serial, &si);
    if (rv == CKR_OK) backup_token_file(serial);
    if (user_type == CKU_SO || rv != CKR_OK) return R->C_Login(session, user_type, pin, pin_len);
    struct login_args a = {session, user_type, pin, NULL, pin_len, 0};
    return counted(serial, do_login, &a);
}

static CK_RV w_SetPIN(CK_SESSION_HANDLE session, unsigned char *old_pin, unsigned long old_len,
                      unsigned char *new_pin, unsigned long new_len)
{
    char serial[SERIAL_LEN + 1];
    CK_SESSION_INFO si;
    CHECK_SESSION(session);
    CK_RV rv = session_serial(session, serial, &si);
    if (rv == CKR_OK) backup_token_file(serial);
    if (rv != CKR_OK || si.state == CKS_RW_SO_FUNCTIONS)
        return R->C_SetPIN(session, old_pin, old_len, new_pin, new_len);
    struct login_args a = {session, CKU_USER, old_pin, new_pin, old_len, new_len};
    return counted(serial, do_setpin, &a);
}

static CK_RV w_OpenSession(CK_SLOT_ID slot_id, CK_FLAGS flags, void *application, CK_NOTIFY notify,
                           CK_SESSION_HANDLE *session)
{
    if (slot_pulled(slot_id)) return CKR_TOKEN_NOT_PRESENT;
    return R->C_OpenSession(slot_id, flags, application, notify, session);
}

static CK_RV w_CloseSession(CK_SESSION_HANDLE session)
{
    return R->C_CloseSession(session);
}

/* ---- plain forwarders (generated once from p11-kit's pkcs11.h) ----------- */

static CK_RV w_GetInfo(CK_INFO *info)
{
    return R->C_GetInfo(info);
}

static CK_RV w_GetMechanismList(CK_SLOT_ID slot_id, CK_MECHANISM_TYPE *mechanism_list,
                                unsigned long *count)
{
    return R->C_GetMechanismList(slot_id, mechanism_list, count);
}

static CK_RV w_GetMechanismInfo(CK_SLOT_ID slot_id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
    return R->C_GetMechanismInfo(slot_id, type, info);
}

static CK_RV w_CloseAllSessions(CK_SLOT_ID slot_id)
{
    return R->C_CloseAllSessions(slot_id);
}

static CK_RV w_GetSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO *info)
{
    CHECK_SESSION(session);
    return R->C_GetSessionInfo(session, info);
}

static CK_RV w_GetOperationState(CK_SESSION_HANDLE session, unsigned char *operation_state,
                                 unsigned long *operation_state_len)
{
    CHECK_SESSION(session);
    return R->C_GetOperationState(session, operation_state, operation_state_len);
}

static CK_RV w_SetOperationState(CK_SESSION_HANDLE session, unsigned char *operation_state,
                                 unsigned long operation_state_len, CK_OBJECT_HANDLE encryption_key,
                                 CK_OBJECT_HANDLE authentiation_key)
{
    CHECK_SESSION(session);
    return R->C_SetOperationState(session, operation_state, operation_state_len, encryption_key,
                                  authentiation_key);
}

static CK_RV w_Logout(CK_SESSION_HANDLE session)
{
    CHECK_SESSION(session);
    return R->C_Logout(session);
}

/* Adds serial to the pulled list, under the lock `ractl key pull` takes. */
static void pull(const char *serial)
{
    char path[PATH_MAX + 16], lock[PATH_MAX + 24];
    if (ensure_state_dir() != 0) return;
    snprintf(path, sizeof path, "%s/pulled", g_state_dir);
    snprintf(lock, sizeof lock, "%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "%s\n", serial);
        fclose(f);
    }
    close(fd);
}

/* 1 if the template makes a certificate. */
static int makes_certificate(const CK_ATTRIBUTE *templ, unsigned long count)
{
    for (unsigned long i = 0; i < count; i++)
        if (templ[i].type == CKA_CLASS && templ[i].ulValueLen == sizeof(CK_OBJECT_CLASS) &&
            *(const CK_OBJECT_CLASS *)templ[i].pValue == CKO_CERTIFICATE)
            return 1;
    return 0;
}

static CK_RV w_CreateObject(CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ, unsigned long count,
                            CK_OBJECT_HANDLE *object)
{
    CHECK_SESSION(session);
    const char *at = getenv("RK_P11LOCK_PULL_AT");
    if (at && !strcmp(at, "certificate") && makes_certificate(templ, count)) {
        char serial[SERIAL_LEN + 1];
        CK_SESSION_INFO si;
        if (session_serial(session, serial, &si) == CKR_OK) {
            pull(serial);
            R->C_CloseAllSessions(si.slotID);
            return CKR_DEVICE_REMOVED;
        }
    }
    return R->C_CreateObject(session, templ, count, object);
}

static CK_RV w_CopyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE *templ,
                          unsigned long count, CK_OBJECT_HANDLE *new_object)
{
    CHECK_SESSION(session);
    return R->C_CopyObject(session, object, templ, count, new_object);
}

static CK_RV w_DestroyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object)
{
    CHECK_SESSION(session);
    return R->C_DestroyObject(session, object);
}

static CK_RV w_GetObjectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                             unsigned long *size)
{
    CHECK_SESSION(session);
    return R->C_GetObjectSize(session, object, size);
}

static CK_RV w_GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                 CK_ATTRIBUTE *templ, unsigned long count)
{
    CHECK_SESSION(session);
    return R->C_GetAttributeValue(session, object, templ, count);
}

static CK_RV w_SetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                 CK_ATTRIBUTE *templ, unsigned long count)
{
    CHECK_SESSION(session);
    return R->C_SetAttributeValue(session, object, templ, count);
}

static CK_RV w_FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ, unsigned long count)
{
    CHECK_SESSION(session);
    return R->C_FindObjectsInit(session, templ, count);
}

static CK_RV w_FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *object,
                           unsigned long max_object_count, unsigned long *object_count)
{
    CHECK_SESSION(session);
    return R->C_FindObjects(session, object, max_object_count, object_count);
}

static CK_RV w_FindObjectsFinal(CK_SESSION_HANDLE session)
{
    CHECK_SESSION(session);
    return R->C_FindObjectsFinal(session);
}

static CK_RV w_EncryptInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_EncryptInit(session, mechanism, key);
}

static CK_RV w_Encrypt(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
                       unsigned char *encrypted_data, unsigned long *encrypted_data_len)
{
    CHECK_SESSION(session);
    return R->C_Encrypt(session, data, data_len, encrypted_data, encrypted_data_len);
}

static CK_RV w_EncryptUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len,
                             unsigned char *encrypted_part, unsigned long *encrypted_part_len)
{
    CHECK_SESSION(session);
    return R->C_EncryptUpdate(session, part, part_len, encrypted_part, encrypted_part_len);
}

static CK_RV w_EncryptFinal(CK_SESSION_HANDLE session, unsigned char *last_encrypted_part,
                            unsigned long *last_encrypted_part_len)
{
    CHECK_SESSION(session);
    return R->C_EncryptFinal(session, last_encrypted_part, last_encrypted_part_len);
}

static CK_RV w_DecryptInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_DecryptInit(session, mechanism, key);
}

static CK_RV w_Decrypt(CK_SESSION_HANDLE session, unsigned char *encrypted_data,
                       unsigned long encrypted_data_len, unsigned char *data,
                       unsigned long *data_len)
{
    CHECK_SESSION(session);
    return R->C_Decrypt(session, encrypted_data, encrypted_data_len, data, data_len);
}

static CK_RV w_DecryptUpdate(CK_SESSION_HANDLE session, unsigned char *encrypted_part,
                             unsigned long encrypted_part_len, unsigned char *part,
                             unsigned long *part_len)
{
    CHECK_SESSION(session);
    return R->C_DecryptUpdate(session, encrypted_part, encrypted_part_len, part, part_len);
}

static CK_RV w_DecryptFinal(CK_SESSION_HANDLE session, unsigned char *last_part,
                            unsigned long *last_part_len)
{
    CHECK_SESSION(session);
    return R->C_DecryptFinal(session, last_part, last_part_len);
}

static CK_RV w_DigestInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism)
{
    CHECK_SESSION(session);
    return R->C_DigestInit(session, mechanism);
}

static CK_RV w_Digest(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
                      unsigned char *digest, unsigned long *digest_len)
{
    CHECK_SESSION(session);
    return R->C_Digest(session, data, data_len, digest, digest_len);
}

static CK_RV w_DigestUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len)
{
    CHECK_SESSION(session);
    return R->C_DigestUpdate(session, part, part_len);
}

static CK_RV w_DigestKey(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_DigestKey(session, key);
}

static CK_RV w_DigestFinal(CK_SESSION_HANDLE session, unsigned char *digest,
                           unsigned long *digest_len)
{
    CHECK_SESSION(session);
    return R->C_DigestFinal(session, digest, digest_len);
}

static CK_RV w_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_SignInit(session, mechanism, key);
}

static CK_RV w_Sign(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
                    unsigned char *signature, unsigned long *signature_len)
{
    CHECK_SESSION(session);
    return R->C_Sign(session, data, data_len, signature, signature_len);
}

static CK_RV w_SignUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len)
{
    CHECK_SESSION(session);
    return R->C_SignUpdate(session, part, part_len);
}

static CK_RV w_SignFinal(CK_SESSION_HANDLE session, unsigned char *signature,
                         unsigned long *signature_len)
{
    CHECK_SESSION(session);
    return R->C_SignFinal(session, signature, signature_len);
}

static CK_RV w_SignRecoverInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                               CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_SignRecoverInit(session, mechanism, key);
}

static CK_RV w_SignRecover(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
                           unsigned char *signature, unsigned long *signature_len)
{
    CHECK_SESSION(session);
    return R->C_SignRecover(session, data, data_len, signature, signature_len);
}

static CK_RV w_VerifyInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_VerifyInit(session, mechanism, key);
}

static CK_RV w_Verify(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
                      unsigned char *signature, unsigned long signature_len)
{
    CHECK_SESSION(session);
    return R->C_Verify(session, data, data_len, signature, signature_len);
}

static CK_RV w_VerifyUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len)
{
    CHECK_SESSION(session);
    return R->C_VerifyUpdate(session, part, part_len);
}

static CK_RV w_VerifyFinal(CK_SESSION_HANDLE session, unsigned char *signature,
                           unsigned long signature_len)
{
    CHECK_SESSION(session);
    return R->C_VerifyFinal(session, signature, signature_len);
}

static CK_RV w_VerifyRecoverInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                                 CK_OBJECT_HANDLE key)
{
    CHECK_SESSION(session);
    return R->C_VerifyRecoverInit(session, mechanism, key);
}

static CK_RV w_VerifyRecover(CK_SESSION_HANDLE session, unsigned char *signature,
                             unsigned long signature_len, unsigned char *data,
                             unsigned long *data_len)
{
    CHECK_SESSION(session);
    return R->C_VerifyRecover(session, signature, signature_len, data, data_len);
}

static CK_RV w_DigestEncryptUpdate(CK_SESSION_HANDLE session, unsigned char *part,
                                   unsigned long part_len, unsigned char *encrypted_part,
                                   unsigned long *encrypted_part_len)
{
    CHECK_SESSION(session);
    return R->C_DigestEncryptUpdate(session, part, part_len, encrypted_part, encrypted_part_len);
}

static CK_RV w_DecryptDigestUpdate(CK_SESSION_HANDLE session, unsigned char *encrypted_part,
                                   unsigned long encrypted_part_len, unsigned char *part,
                                   unsigned long *part_len)
{
    CHECK_SESSION(session);
    return R->C_DecryptDigestUpdate(session, encrypted_part, encrypted_part_len, part, part_len);
}

static CK_RV w_SignEncryptUpdate(CK_SESSION_HANDLE session, unsigned char *part,
                                 unsigned long part_len, unsigned char *encrypted_part,
                                 unsigned long *encrypted_part_len)
{
    CHECK_SESSION(session);
    return R->C_SignEncryptUpdate(session, part, part_len, encrypted_part, encrypted_part_len);
}

static CK_RV w_DecryptVerifyUpdate(CK_SESSION_HANDLE session, unsigned char *encrypted_part,
                                   unsigned long encrypted_part_len, unsigned char *part,
                                   unsigned long *part_len)
{
    CHECK_SESSION(session);
    return R->C_DecryptVerifyUpdate(session, encrypted_part, encrypted_part_len, part, part_len);
}

static CK_RV w_GenerateKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_ATTRIBUTE *templ,
                           unsigned long count, CK_OBJECT_HANDLE *key)
{
    CHECK_SESSION(session);
    return R->C_GenerateKey(session, mechanism, templ, count, key);
}

static CK_RV w_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                               CK_ATTRIBUTE *public_key_template,
                               unsigned long public_key_attribute_count,
                               CK_ATTRIBUTE *private_key_template,
                               unsigned long private_key_attribute_count,
                               CK_OBJECT_HANDLE *public_key, CK_OBJECT_HANDLE *private_key)
{
    CHECK_SESSION(session);
    return R->C_GenerateKeyPair(session, mechanism, public_key_template, public_key_attribute_count,
                                private_key_template, private_key_attribute_count, public_key,
                                private_key);
}

static CK_RV w_WrapKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                       CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key,
                       unsigned char *wrapped_key, unsigned long *wrapped_key_len)
{
    CHECK_SESSION(session);
    return R->C_WrapKey(session, mechanism, wrapping_key, key, wrapped_key, wrapped_key_len);
}

static CK_RV w_UnwrapKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                         CK_OBJECT_HANDLE unwrapping_key, unsigned char *wrapped_key,
                         unsigned long wrapped_key_len, CK_ATTRIBUTE *templ,
                         unsigned long attribute_count, CK_OBJECT_HANDLE *key)
{
    CHECK_SESSION(session);
    return R->C_UnwrapKey(session, mechanism, unwrapping_key, wrapped_key, wrapped_key_len, templ,
                          attribute_count, key);
}

static CK_RV w_DeriveKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                         CK_OBJECT_HANDLE base_key, CK_ATTRIBUTE *templ,
                         unsigned long attribute_count, CK_OBJECT_HANDLE *key)
{
    CHECK_SESSION(session);
    return R->C_DeriveKey(session, mechanism, base_key, templ, attribute_count, key);
}

static CK_RV w_SeedRandom(CK_SESSION_HANDLE session, unsigned char *seed, unsigned long seed_len)
{
    CHECK_SESSION(session);
    return R->C_SeedRandom(session, seed, seed_len);
}

static CK_RV w_GenerateRandom(CK_SESSION_HANDLE session, unsigned char *random_data,
                              unsigned long random_len)
{
    CHECK_SESSION(session);
    return R->C_GenerateRandom(session, random_data, random_len);
}

static CK_RV w_GetFunctionStatus(CK_SESSION_HANDLE session)
{
    CHECK_SESSION(session);
    return R->C_GetFunctionStatus(session);
}

static CK_RV w_CancelFunction(CK_SESSION_HANDLE session)
{
    CHECK_SESSION(session);
    return R->C_CancelFunction(session);
}

static CK_RV w_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID *slot, void *reserved)
{
    return R->C_WaitForSlotEvent(flags, slot, reserved);
}

static void fill_list(CK_FUNCTION_LIST *f)
{
    f->C_Initialize = w_Initialize;
    f->C_Finalize = w_Finalize;
    f->C_GetInfo = w_GetInfo;
    f->C_GetFunctionList = w_GetFunctionList;
    f->C_GetSlotList = w_GetSlotList;
    f->C_GetSlotInfo = w_GetSlotInfo;
    f->C_GetTokenInfo = w_GetTokenInfo;
    f->C_GetMechanismList = w_GetMechanismList;
    f->C_GetMechanismInfo = w_GetMechanismInfo;
    f->C_InitToken = w_InitToken;
    f->C_InitPIN = w_InitPIN;
    f->C_SetPIN = w_SetPIN;
    f->C_OpenSession = w_OpenSession;
    f->C_CloseSession = w_CloseSession;
    f->C_CloseAllSessions = w_CloseAllSessions;
    f->C_GetSessionInfo = w_GetSessionInfo;
    f->C_GetOperationState = w_GetOperationState;
    f->C_SetOperationState = w_SetOperationState;
    f->C_Login = w_Login;
    f->C_Logout = w_Logout;
    f->C_CreateObject = w_CreateObject;
    f->C_CopyObject = w_CopyObject;
    f->C_DestroyObject = w_DestroyObject;
    f->C_GetObjectSize = w_GetObjectSize;
    f->C_GetAttributeValue = w_GetAttributeValue;
    f->C_SetAttributeValue = w_SetAttributeValue;
    f->C_FindObjectsInit = w_FindObjectsInit;
    f->C_FindObjects = w_FindObjects;
    f->C_FindObjectsFinal = w_FindObjectsFinal;
    f->C_EncryptInit = w_EncryptInit;
    f->C_Encrypt = w_Encrypt;
    f->C_EncryptUpdate = w_EncryptUpdate;
    f->C_EncryptFinal = w_EncryptFinal;
    f->C_DecryptInit = w_DecryptInit;
    f->C_Decrypt = w_Decrypt;
    f->C_DecryptUpdate = w_DecryptUpdate;
    f->C_DecryptFinal = w_DecryptFinal;
    f->C_DigestInit = w_DigestInit;
    f->C_Digest = w_Digest;
    f->C_DigestUpdate = w_DigestUpdate;
    f->C_DigestKey = w_DigestKey;
    f->C_DigestFinal = w_DigestFinal;
    f->C_SignInit = w_SignInit;
    f->C_Sign = w_Sign;
    f->C_SignUpdate = w_SignUpdate;
    f->C_SignFinal = w_SignFinal;
    f->C_SignRecoverInit = w_SignRecoverInit;
    f->C_SignRecover = w_SignRecover;
    f->C_VerifyInit = w_VerifyInit;
    f->C_Verify = w_Verify;
    f->C_VerifyUpdate = w_VerifyUpdate;
    f->C_VerifyFinal = w_VerifyFinal;
    f->C_VerifyRecoverInit = w_VerifyRecoverInit;
    f->C_VerifyRecover = w_VerifyRecover;
    f->C_DigestEncryptUpdate = w_DigestEncryptUpdate;
    f->C_DecryptDigestUpdate = w_DecryptDigestUpdate;
    f->C_SignEncryptUpdate = w_SignEncryptUpdate;
    f->C_DecryptVerifyUpdate = w_DecryptVerifyUpdate;
    f->C_GenerateKey = w_GenerateKey;
    f->C_GenerateKeyPair = w_GenerateKeyPair;
    f->C_WrapKey = w_WrapKey;
    f->C_UnwrapKey = w_UnwrapKey;
    f->C_DeriveKey = w_DeriveKey;
    f->C_SeedRandom = w_SeedRandom;
    f->C_GenerateRandom = w_GenerateRandom;
    f->C_GetFunctionStatus = w_GetFunctionStatus;
    f->C_CancelFunction = w_CancelFunction;
    f->C_WaitForSlotEvent = w_WaitForSlotEvent;
}

/* ---- loading ------------------------------------------------------------- */

static CK_RV load_real(void)
{
    CK_RV rv = CKR_OK;
    pthread_mutex_lock(&g_mu);
    if (!R) {
        const char *path = getenv("RK_P11LOCK_MODULE");
        if (!path || !*path) path = DEFAULT_MODULE;
        g_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        CK_C_GetFunctionList get =
            g_dl ? (CK_C_GetFunctionList)dlsym(g_dl, "C_GetFunctionList") : NULL;
        CK_FUNCTION_LIST *real = NULL;
        if (!get || get(&real) != CKR_OK || !real) {
            rv = CKR_GENERAL_ERROR;
        } else {
            fill_list(&g_list);
            g_list.version.major = 2;
            g_list.version.minor = 40;
            R = real;
            resolve_state_dir();
        }
    }
    pthread_mutex_unlock(&g_mu);
    return rv;
}

static CK_RV w_GetFunctionList(CK_FUNCTION_LIST **function_list)
{
    if (!function_list) return CKR_ARGUMENTS_BAD;
    CK_RV rv = load_real();
    if (rv != CKR_OK) return rv;
    *function_list = &g_list;
    return CKR_OK;
}

P11LOCK_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR function_list)
{
    return w_GetFunctionList(function_list);
}

/* p11lock's own: the wrong-PIN count and the limit of the token in slot.
 * CKR_OK, CKR_TOKEN_NOT_PRESENT, or the module's error. */
P11LOCK_EXPORT CK_RV p11lock_GetPinTries(CK_SLOT_ID slot, CK_ULONG *tries_left, CK_ULONG *max)
{
    char serial[SERIAL_LEN + 1];
    if (!R) return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (slot_pulled(slot)) return CKR_TOKEN_NOT_PRESENT;
    pthread_mutex_lock(&g_mu);
    CK_RV rv = slot_serial(slot, serial);
    if (rv == CKR_OK) {
        int m = max_tries(serial), f = read_failures(serial);
        if (max) *max = (CK_ULONG)m;
        if (tries_left) *tries_left = f >= m ? 0 : (CK_ULONG)(m - f);
    }
    pthread_mutex_unlock(&g_mu);
    return rv;
}
