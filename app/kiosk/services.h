/*
 * The services a subscriber can start from the home screen: the business
 * types of DOMAIN.md (ids as domain/order.h spells them) and the
 * self-service corner, each with its icon and the strings keys of its tile
 * (home.<key>, home.<key>_sub). The attract screen loops over the same
 * list.
 */
#ifndef RK_KIOSK_SERVICES_H
#define RK_KIOSK_SERVICES_H

#include "ui/icons.h"

typedef struct kiosk_service {
    const char *key;      /* strings: home.<key>, home.<key>_sub; tile id tile.<key> */
    const char *business; /* the order business type; NULL: a self-service screen */
    const char *screen;   /* the self-service screen's name (kiosk_find_screen) */
    rk_icon icon;
} kiosk_service;

#define KIOSK_SERVICES 12

extern const kiosk_service kiosk_services[KIOSK_SERVICES];

/* 1 when the service can be offered by this build (a self-service
 * screen is there). */
int kiosk_service_offered(const kiosk_service *s);

#endif
