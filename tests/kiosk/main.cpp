#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>

// The kiosk reads receipt photos with Tesseract, whose OpenMP threads spin on a shared 2-core
// machine: one thread, as the kiosk's service runs it. libgomp reads the limit only as the
// process starts, so the suite sets it and starts itself again (ctest also sets it).
int main(int argc, char** argv) {
    if (std::getenv("OMP_THREAD_LIMIT") == nullptr && ::setenv("OMP_THREAD_LIMIT", "1", 1) == 0)
        ::execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
    return doctest::Context(argc, argv).run();
}
