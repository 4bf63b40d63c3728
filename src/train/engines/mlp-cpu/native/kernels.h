// The hidden layer's three products (mlp-cpu's kernels.as.ts defines them) for one instruction set: what
// kernels.cc compiles to once per set and addon.cc chooses from at run time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace adgap_mlp {

/** The widest layout any kernel set uses: vectors of 16 float32s, panels of 64. */
constexpr int MAX_LANES = 16;
constexpr int MAX_PANEL = 64;

inline int roundUp(int x, int to) { return (x + to - 1) / to * to; }

/**
 * Byte addresses are offsets into `base`, the memory the workers share (rows, a row list of u32 addresses).
 * `w` is the hidden weight as mlp-cpu keeps it, transposed: `hidden` rows of `stride` floats, padding zero.
 */
struct Kernels {
  const char *isa;
  /** Copies w into the two packed layouts the products read: forward (stride x hidden panels) and gradient. */
  void (*pack)(const float *w, int stride, int hidden, float *forward, float *gradient);
  /** z[i][h] = bias[h] + row_i . w_h, z being n rows of `hidden`. */
  void (*forward)(const uint8_t *base, const uint32_t *rows, int n, int stride, const float *forwardPacked,
                  int hidden, const float *bias, float *z);
  /** out[i] = sum_h dz[i][h] w_h, out being n rows of stride. */
  void (*inputGradient)(const float *dz, int n, int hidden, const float *gradientPacked, int stride, float *out);
  /** gw[h] += sum_i dz[i][h] row_i, gw laid out as w; scratch holds n x MAX_PANEL floats. */
  void (*weightGradient)(const uint8_t *base, const uint32_t *rows, int n, int stride, const float *dz, int hidden,
                         float *gw, float *scratch);
};

/** Floats of the packed layouts, enough for every kernel set. */
inline size_t forwardPackedFloats(int stride, int hidden) {
  return static_cast<size_t>(stride) * roundUp(hidden, MAX_LANES);
}
inline size_t gradientPackedFloats(int stride, int hidden) {
  return static_cast<size_t>(hidden) * roundUp(stride, MAX_LANES);
}

}  // namespace adgap_mlp

extern "C" const adgap_mlp::Kernels adgap_mlp_avx512;
extern "C" const adgap_mlp::Kernels adgap_mlp_avx2;
