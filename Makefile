# The README's two commands, and the builds they rest on.
#   make demo   install packages, build, and run the kiosk on the demo branch
#   make check  install packages, build plain, ASan+UBSan and libFuzzer
#               builds, and run the whole test suite in each
# CMake does the real work; this file only strings the steps together.

JOBS ?= $(shell nproc)
CTEST = ctest --output-on-failure -j $(JOBS)

.PHONY: all deps build demo check check-plain check-asan check-fuzz bench clean

all: build

deps:
	image/install-deps

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build -j $(JOBS)

demo: build
	build/app/ctl/ractl --conf conf/kiosk.conf init
	build/app/kiosk/rakiosk --conf conf/kiosk.conf

check: deps check-plain check-asan check-fuzz
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

bench: build
	@for b in build/tests/bench_*; do [ -x "$$b" ] && "$$b"; done

clean:
	rm -rf build build-asan build-fuzz
