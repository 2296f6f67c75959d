/*
 * X.509 names as UTF-8 text (see x509name.h).
 */
#include "util/x509name.h"

#include "util/utf8.h"

#include <openssl/bio.h>

void rk_x509name_text(char *out, size_t n, const X509_NAME *name)
{
    BIO *b;
    char *p;
    long len;
    if (!n) return;
    out[0] = '\0';
    if (!name || !(b = BIO_new(BIO_s_mem()))) return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
        BIO_write(b, "", 1) == 1 && (len = BIO_get_mem_data(b, &p)) > 0)
        rk_utf8_copy(out, n, p);
    BIO_free(b);
}
