/*
 * The home screen's services (services.h).
 */
#include "services.h"

#include "kiosk.h"

#include <stddef.h>

const kiosk_service kiosk_services[KIOSK_SERVICES] = {
    {"new", "new", NULL, RK_ICON_NEWCERT},
    {"renew", "renew", NULL, RK_ICON_RENEW},
    {"change", "change", NULL, RK_ICON_CHANGE},
    {"lost", "reissue", NULL, RK_ICON_LOST},
    {"damaged", "replace", NULL, RK_ICON_DAMAGED},
    {"unlock", "unlock", NULL, RK_ICON_UNLOCK},
    {"revoke", "revoke", NULL, RK_ICON_REVOKE},
    {"suspend", "suspend", NULL, RK_ICON_SUSPEND},
    {"recover", "recovery", NULL, RK_ICON_RECOVER},
    {"query", NULL, "query", RK_ICON_SEARCH},
    {"selfcheck", NULL, "selfcheck", RK_ICON_SELFCHECK},
    {"faq", NULL, "faq", RK_ICON_HELP},
};

int kiosk_service_offered(const kiosk_service *s)
{
    return s->business != NULL || kiosk_find_screen(s->screen) >= 0;
}
