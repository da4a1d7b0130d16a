// main.cpp: the tocsin binary. Everything happens in app::run.
#include <malloc.h>

#include "app/app.hpp"

int main(int argc, char** argv) {
  // A fixed threshold: buffers of 256 KiB and more (GET responses of several MiB, request bodies)
  // get their own mappings and go back to the system when freed. glibc's default raises the threshold
  // to the largest block freed so far, after which such buffers stay in the heap and in the RSS.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // Each heap grows by at least this much at a time: a thread's arena otherwise grows with an
  // mprotect call every few pages while alerts arrive (measured: 8 % of the CPU of ingesting new
  // alerts). The pad is address space; it reaches the RSS only as it is used.
  mallopt(M_TOP_PAD, 256 * 1024);
  return tocsin::app::run(argc, argv);
}
