// main.cpp: the tocsin binary. Everything happens in app::run.
#include "app/app.hpp"

int main(int argc, char** argv) { return tocsin::app::run(argc, argv); }
