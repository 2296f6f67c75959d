# The README's two commands, and the builds they rest on.
#   make demo   install packages, build, and run the kiosk on the demo branch
#   make check  install packages, build plain, ASan+UBSan and libFuzzer
#               builds, and run the whole test suite in each; last, build
#               the appliance image and boot it (check-image); the time of
#               each phase is printed
#   make image        the appliance's disk image in build-image/ (image/build)
#   make bundle       the signed RAUC update bundle of that build's root
#                     filesystem (image/bundle build-image)
#   make check-image  build it with the test hooks and run the boot, power-cut
#                     and sealed-secrets tests on it (QEMU boots)
#   make check-update the A/B update test on it (five boots; not in make check)
# CMake does the real work; this file only strings the steps together.

JOBS ?= $(shell nproc)
CTEST = ctest --output-on-failure -j $(JOBS)

.PHONY: all deps build demo check check-plain check-asan check-fuzz bench clean packages image bundle check-image check-update

all: build

deps:
	image/install-deps

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build -j $(JOBS)

# The demo branch: its database and data key, the local sub-CA (a demo root
# and the sub-CA key in a SoftHSM2 token) and the SoftHSM2 store of the demo
# USB keys, all under var/demo; then the kiosk.
# The demo's keys and HSM go through p11lock, the PKCS#11 module that gives
# SoftHSM2 a PIN retry counter, lockout and plug/pull like a real key.
DEMO = build/app/ctl/ractl --conf conf/kiosk.conf
P11LOCK = $(CURDIR)/build/app/p11lock/rkp11lock.so
demo: export RAKIOSK_TOKEN_MODULE = $(P11LOCK)
demo: export RAKIOSK_HSM_MODULE = $(P11LOCK)
demo: build
	$(DEMO) init
	$(DEMO) -q ca status >/dev/null 2>&1 || $(DEMO) ca init --name "DEMO01 branch"
	@# The device doubles the demo panel switches ([kiosk] demo_idsim and
	@# demo_printer, [idreader] device, [printer] receipt), stopped with the kiosk.
	mkdir -p /tmp/rakiosk-printer
	build/tests/idsim_main --link /tmp/rakiosk-idreader --control /tmp/rakiosk-idsim.ctl >/dev/null & \
	sim=$$!; \
	build/tests/vprinter_main --dir /tmp/rakiosk-printer --port 9100 </dev/null >/dev/null & \
	vp=$$!; \
	build/app/kiosk/rakiosk --conf conf/kiosk.conf; rc=$$?; \
	kill $$sim $$vp 2>/dev/null; wait $$sim $$vp 2>/dev/null; exit $$rc

# Each phase in turn, timed; the first that fails ends the run.
PHASE = sh -c 's=$$(date +%s); $(MAKE) --no-print-directory "$$1"; rc=$$?; \
	echo "phase $$1: $$(($$(date +%s) - s)) s$$([ $$rc = 0 ] || echo ", FAILED")"; exit $$rc' phase
check: deps
	@t=$$(date +%s); \
	$(PHASE) check-plain && $(PHASE) check-asan && $(PHASE) check-fuzz && $(PHASE) check-image; \
	rc=$$?; echo "make check: $$(($$(date +%s) - t)) s in all"; exit $$rc
	@echo "all test runs passed"

check-plain: build
	cd build && $(CTEST)

check-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRK_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(CTEST) -LE style

check-fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DRK_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)
	cd build-fuzz && $(CTEST) -L fuzz

# The Debian packages (rakiosk, and rasync/rahq once sync/ installs them),
# built for /usr in build-pkg/ without the tests.
packages: deps
	cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DRK_TESTS=OFF
	cmake --build build-pkg -j $(JOBS)
	cd build-pkg && cpack -G DEB

# The appliance image: a raw GPT disk (ESP, root slots A and B, data) with
# the packages above installed; docs/IMAGE.md. Needs root.
image: deps
	image/build build-image

# The update bundle of the last image build (build-image/rakiosk.raucb),
# signed with RK_UPDATE_KEY/RK_UPDATE_CERT or the build's development key.
bundle:
	image/bundle build-image

# The image tests of make check: each runs on the one test image, timed, all
# of them even when one fails. Needs root (image/build). The update test
# (five boots, 12.5 min more under TCG: the image phase would reach CI's
# half hour; docs/IMAGE.md) is its own target, check-update.
IMAGE_TESTS = boot-test secrets-test
check-image: deps
	image/build --test build-image
	@failed=""; for t in $(IMAGE_TESTS); do \
		s=$$(date +%s); tests/image/$$t build-image || failed="$$failed $$t"; \
		echo "$$t: $$(($$(date +%s) - s)) s"; \
	done; \
	if [ -n "$$failed" ]; then echo "check-image: failed:$$failed"; exit 1; fi

check-update: deps
	image/build --test build-image
	tests/image/update-test build-image

bench: build
	@for b in build/tests/bench_*; do [ -x "$$b" ] && "$$b"; done

clean:
	rm -rf build build-asan build-fuzz build-pkg build-image
