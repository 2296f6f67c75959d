/*
 * libFuzzer target of the document image check (domain/image.c): any bytes
 * must give 0 or a clean error, never a crash, leak, hang or exit. The seed
 * corpus (tests/fuzz/corpus/fuzz_image, written by
 * tests/data/images/make_images.py) holds tiny valid JPEG, PNG, GIF and BMP
 * files of every supported variant plus corrupt, truncated and disguised ones.
 */
#include "domain/image.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_image_info info;
    if (rk_image_check(&info, data, size, 0) == 0) {
        /* an accepted image always has sane dimensions */
        if (info.width <= 0 || info.height <= 0 || info.width > RK_IMAGE_MAX_SIDE ||
            info.height > RK_IMAGE_MAX_SIDE || info.format[0] == '\0')
            __builtin_trap();
    }
    return 0;
}
