// Included with every C++ submission, in a directory of its own.
#pragma once
#include <cstdint>
inline std::uint64_t usum(std::uint64_t a, std::uint64_t b) { return a + b; }
