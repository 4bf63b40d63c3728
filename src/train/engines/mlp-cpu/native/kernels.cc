// The hidden layer's three products on the cores' own vectors, register-blocked with fused multiply-adds
// (docs/performance.md, "The native hidden-layer products"). build.sh compiles this file once per instruction
// set: -DADGAP_AVX512 (16-lane vectors, 32 registers) and -DADGAP_AVX2 (8 lanes, 16 registers); addon.cc picks
// one at run time from the CPU's features.
//
// Everything here has internal linkage but the one table each build exports: an inline function of a header
// (std::min, say) compiled with -mavx512f and merged by the linker with the glue's copy could run AVX-512
// instructions on a CPU without them. So no standard library here, only intrinsics.
//
// Numbers: float32, each output summed in one fixed order (k ascending, one rounding per fused multiply-add),
// the same whichever instruction set or blocking computes it; the bias is added last. tfjs and the wasm kernels
// sum in other orders: the engines agree to float32 rounding (test/train/engines/mlp-cpu/native/).
//
// The blocking is GEMM's (Goto's): each product is a sum of small outer products held in registers, R rows by C
// vectors, over one operand "packed" so that the vectors a block reads are contiguous. The hidden weight is
// packed twice (pack, once per weight change, reused by every product until the next), in panels of C
// vectors: for the forward pass [feature][unit] (a panel's units side by side), for the input gradient
// [unit][feature]. The weight gradient packs the C-vector-wide column panel of the batch's rows it works on.

#include <immintrin.h>

#include "kernels.h"

namespace {

#if defined(ADGAP_AVX512)
constexpr int L = 16;
// 6 x 4 accumulators, 4 panel vectors and a broadcast: 29 of the 32 registers.
constexpr int R = 6;
constexpr int C = 4;
using V = __m512;
inline V zero() { return _mm512_setzero_ps(); }
inline V splat(float x) { return _mm512_set1_ps(x); }
inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
inline V add(V a, V b) { return _mm512_add_ps(a, b); }
inline __mmask16 lanes(int valid) { return static_cast<__mmask16>((1u << valid) - 1); }
/** The first `valid` lanes of p (the rest zero); valid is 1..L. */
inline V load(const float *p, int valid) { return _mm512_maskz_loadu_ps(lanes(valid), p); }
inline void store(float *p, V v, int valid) { _mm512_mask_storeu_ps(p, lanes(valid), v); }
#define ADGAP_KERNELS adgap_mlp_avx512
#define ADGAP_ISA "avx512"
#elif defined(ADGAP_AVX2)
constexpr int L = 8;
// 4 x 3 accumulators, 3 panel vectors and a broadcast: the 16 registers.
constexpr int R = 4;
constexpr int C = 3;
using V = __m256;
inline V zero() { return _mm256_setzero_ps(); }
inline V splat(float x) { return _mm256_set1_ps(x); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V add(V a, V b) { return _mm256_add_ps(a, b); }
inline __m256i lanes(int valid) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline V load(const float *p, int valid) {
  return valid == L ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, lanes(valid));
}
inline void store(float *p, V v, int valid) {
  if (valid == L) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, lanes(valid), v);
}
#define ADGAP_KERNELS adgap_mlp_avx2
#define ADGAP_ISA "avx2"
#else
#error "build.sh defines ADGAP_AVX512 or ADGAP_AVX2"
#endif

/** Panel width in floats. */
constexpr int P = C * L;
static_assert(P <= adgap_mlp::MAX_PANEL, "kernels.h's scratch holds MAX_PANEL floats a row");
/** Features per block of the forward pass: a panel's slice (KC x P floats, 32 KiB) stays in L1 across rows. */
constexpr int KC = 128;

// Every loop over a block's rows and vectors is unrolled, so its accumulators live in registers.
#define UNROLLED _Pragma("GCC unroll 16")

inline int lesser(int a, int b) { return a < b ? a : b; }
inline int roundUp(int x, int to) { return (x + to - 1) / to * to; }

/** Lanes of a block's last vector that lie inside an axis of `size` floats, for a panel ending at `end`. */
inline int lastValid(int size, int end) { return lesser(L, size - (end - L)); }

inline const float *rowAt(const uint8_t *base, const uint32_t *rows, int i) {
  return reinterpret_cast<const float *>(base + rows[i]);
}

// The three kinds of block: RR rows of the output by CC vectors, RR <= R, CC <= C.

/** z[r][..] (+)= sum over k in [k0, k0 + kc) of x[r][k] panel[k][..]; with a bias, adds it and ends the sum. */
struct Forward {
  struct Args {
    const float *const *x;
    int k0, kc;
    const float *panel;
    int width;
    float *z;
    int hidden, valid;
    bool first;
    const float *bias;
  };
  template <int RR, int CC>
  static void run(const Args &a) {
    V acc[RR][CC];
    UNROLLED
    for (int r = 0; r < RR; r++)
      UNROLLED
      for (int c = 0; c < CC; c++)
        acc[r][c] = a.first ? zero() : load(a.z + r * a.hidden + c * L, c == CC - 1 ? a.valid : L);
    const float *x[RR];
    UNROLLED
    for (int r = 0; r < RR; r++) x[r] = a.x[r];
    const float *b = a.panel + static_cast<size_t>(a.k0) * a.width;
    for (int k = a.k0; k < a.k0 + a.kc; k++, b += a.width) {
      V w[CC];
      UNROLLED
      for (int c = 0; c < CC; c++) w[c] = load(b + c * L, L);
      UNROLLED
      for (int r = 0; r < RR; r++) {
        const V s = splat(x[r][k]);
        UNROLLED
        for (int c = 0; c < CC; c++) acc[r][c] = fma(s, w[c], acc[r][c]);
      }
    }
    UNROLLED
    for (int c = 0; c < CC; c++) {
      const int valid = c == CC - 1 ? a.valid : L;
      const V bias = a.bias ? load(a.bias + c * L, valid) : zero();
      UNROLLED
      for (int r = 0; r < RR; r++) store(a.z + r * a.hidden + c * L, a.bias ? add(acc[r][c], bias) : acc[r][c], valid);
    }
  }
};

/** out[r][..] = sum_h dz[r][h] panel[h][..]. */
struct Gradient {
  struct Args {
    const float *dz;
    int hidden;
    const float *panel;
    int width;
    float *out;
    int stride, valid;
  };
  template <int RR, int CC>
  static void run(const Args &a) {
    V acc[RR][CC];
    UNROLLED
    for (int r = 0; r < RR; r++)
      UNROLLED
      for (int c = 0; c < CC; c++) acc[r][c] = zero();
    const float *b = a.panel;
    for (int h = 0; h < a.hidden; h++, b += a.width) {
      V w[CC];
      UNROLLED
      for (int c = 0; c < CC; c++) w[c] = load(b + c * L, L);
      UNROLLED
      for (int r = 0; r < RR; r++) {
        const V d = splat(a.dz[r * a.hidden + h]);
        UNROLLED
        for (int c = 0; c < CC; c++) acc[r][c] = fma(d, w[c], acc[r][c]);
      }
    }
    UNROLLED
    for (int r = 0; r < RR; r++)
      UNROLLED
      for (int c = 0; c < CC; c++) store(a.out + r * a.stride + c * L, acc[r][c], c == CC - 1 ? a.valid : L);
  }
};

/** gw[r][..] += sum_i dz[i][r] xs[i][..], the batch's rows packed as n x width. */
struct Weight {
  struct Args {
    const float *dz;
    int n, hidden;
    const float *xs;
    int width;
    float *gw;
    int stride, valid;
  };
  template <int RR, int CC>
  static void run(const Args &a) {
    V acc[RR][CC];
    UNROLLED
    for (int r = 0; r < RR; r++)
      UNROLLED
      for (int c = 0; c < CC; c++) acc[r][c] = zero();
    const float *x = a.xs;
    const float *d = a.dz;
    for (int i = 0; i < a.n; i++, x += a.width, d += a.hidden) {
      V row[CC];
      UNROLLED
      for (int c = 0; c < CC; c++) row[c] = load(x + c * L, L);
      UNROLLED
      for (int r = 0; r < RR; r++) {
        const V s = splat(d[r]);
        UNROLLED
        for (int c = 0; c < CC; c++) acc[r][c] = fma(s, row[c], acc[r][c]);
      }
    }
    UNROLLED
    for (int r = 0; r < RR; r++)
      UNROLLED
      for (int c = 0; c < CC; c++) {
        const int valid = c == CC - 1 ? a.valid : L;
        float *g = a.gw + r * a.stride + c * L;
        store(g, add(load(g, valid), acc[r][c]), valid);
      }
  }
};

/** Kind's block of `rows` x `vectors` (1..R, 1..C), among the instantiations made at compile time. */
template <class Kind, int RR, int CC>
void runBlock(int vectors, const typename Kind::Args &args) {
  if constexpr (CC <= C) {
    if (vectors == CC) return Kind::template run<RR, CC>(args);
    runBlock<Kind, RR, CC + 1>(vectors, args);
  }
}
template <class Kind, int RR = 1>
void runBlock(int rows, int vectors, const typename Kind::Args &args) {
  if constexpr (RR <= R) {
    if (rows == RR) return runBlock<Kind, RR, 1>(vectors, args);
    runBlock<Kind, RR + 1>(rows, vectors, args);
  }
}

/** out[k][u] = in[u][k] for an 8 x 8 tile, rows `inStride` and `outStride` floats apart. */
void transpose8(const float *in, size_t inStride, float *out, size_t outStride) {
  __m256 r[8];
  UNROLLED
  for (int u = 0; u < 8; u++) r[u] = _mm256_loadu_ps(in + u * inStride);
  __m256 t[8];
  UNROLLED
  for (int u = 0; u < 8; u += 2) {
    t[u] = _mm256_unpacklo_ps(r[u], r[u + 1]);
    t[u + 1] = _mm256_unpackhi_ps(r[u], r[u + 1]);
  }
  __m256 q[8];
  UNROLLED
  for (int u = 0; u < 8; u += 4) {
    q[u] = _mm256_shuffle_ps(t[u], t[u + 2], 0x44);
    q[u + 1] = _mm256_shuffle_ps(t[u], t[u + 2], 0xEE);
    q[u + 2] = _mm256_shuffle_ps(t[u + 1], t[u + 3], 0x44);
    q[u + 3] = _mm256_shuffle_ps(t[u + 1], t[u + 3], 0xEE);
  }
  UNROLLED
  for (int k = 0; k < 4; k++) {
    _mm256_storeu_ps(out + k * outStride, _mm256_permute2f128_ps(q[k], q[k + 4], 0x20));
    _mm256_storeu_ps(out + (k + 4) * outStride, _mm256_permute2f128_ps(q[k], q[k + 4], 0x31));
  }
}

void pack(const float *w, int stride, int hidden, float *forward, float *gradient) {
  // stride is a multiple of 8 (mlp-cpu's rows), so are the panels' widths.
  const int units = roundUp(hidden, L);
  for (int u0 = 0; u0 < units; u0 += P) {
    const int width = lesser(P, units - u0);
    float *panel = forward + static_cast<size_t>(u0) * stride;
    // Eight units at a time, each 8 x 8 tile transposed in registers: eight rows read in step, so the reads
    // stream, and no more than eight rows 4 KiB apart compete for one L1 set.
    for (int u = 0; u < width; u += 8) {
      if (u0 + u + 8 <= hidden) {
        for (int k = 0; k < stride; k += 8)
          transpose8(w + static_cast<size_t>(u0 + u) * stride + k, stride, panel + static_cast<size_t>(k) * width + u,
                     width);
        continue;
      }
      for (int k = 0; k < stride; k++)
        for (int v = u; v < u + 8; v++)
          panel[static_cast<size_t>(k) * width + v] = u0 + v < hidden ? w[static_cast<size_t>(u0 + v) * stride + k] : 0.0f;
    }
  }
  const int features = roundUp(stride, L);
  for (int q0 = 0; q0 < features; q0 += P) {
    const int width = lesser(P, features - q0);
    float *panel = gradient + static_cast<size_t>(q0) * hidden;
    for (int h = 0; h < hidden; h++)
      for (int f = 0; f < width; f++)
        panel[static_cast<size_t>(h) * width + f] = q0 + f < stride ? w[static_cast<size_t>(h) * stride + q0 + f] : 0.0f;
  }
}

void forward(const uint8_t *base, const uint32_t *rows, int n, int stride, const float *packed, int hidden,
             const float *bias, float *z) {
  const int units = roundUp(hidden, L);
  for (int k0 = 0; k0 < stride; k0 += KC) {
    const int kc = lesser(KC, stride - k0);
    for (int u0 = 0; u0 < units; u0 += P) {
      const int width = lesser(P, units - u0);
      Forward::Args args{nullptr,
                                   k0,
                                   kc,
                                   packed + static_cast<size_t>(u0) * stride,
                                   width,
                                   nullptr,
                                   hidden,
                                   lastValid(hidden, u0 + width),
                                   k0 == 0,
                                   k0 + kc == stride ? bias + u0 : nullptr};
      for (int i = 0; i < n; i += R) {
        const float *x[R];
        const int block = lesser(R, n - i);
        for (int r = 0; r < block; r++) x[r] = rowAt(base, rows, i + r);
        args.x = x;
        args.z = z + static_cast<size_t>(i) * hidden + u0;
        runBlock<Forward>(block, width / L, args);
      }
    }
  }
}

void inputGradient(const float *dz, int n, int hidden, const float *packed, int stride, float *out) {
  const int features = roundUp(stride, L);
  for (int q0 = 0; q0 < features; q0 += P) {
    const int width = lesser(P, features - q0);
    Gradient::Args args{nullptr, hidden, packed + static_cast<size_t>(q0) * hidden, width, nullptr,
                                   stride, lastValid(stride, q0 + width)};
    for (int i = 0; i < n; i += R) {
      args.dz = dz + static_cast<size_t>(i) * hidden;
      args.out = out + static_cast<size_t>(i) * stride + q0;
      runBlock<Gradient>(lesser(R, n - i), width / L, args);
    }
  }
}

void weightGradient(const uint8_t *base, const uint32_t *rows, int n, int stride, const float *dz, int hidden,
                    float *gw, float *scratch) {
  const int features = roundUp(stride, L);
  for (int q0 = 0; q0 < features; q0 += P) {
    const int width = lesser(P, features - q0);
    const int valid = lastValid(stride, q0 + width);
    for (int i = 0; i < n; i++) {
      const float *row = rowAt(base, rows, i) + q0;
      for (int c = 0; c < width / L; c++)
        store(scratch + i * width + c * L, load(row + c * L, c == width / L - 1 ? valid : L), L);
    }
    Weight::Args args{dz, n, hidden, scratch, width, nullptr, stride, valid};
    for (int h = 0; h < hidden; h += R) {
      args.dz = dz + h;
      args.gw = gw + static_cast<size_t>(h) * stride + q0;
      runBlock<Weight>(lesser(R, hidden - h), width / L, args);
    }
  }
}

}  // namespace

extern "C" const adgap_mlp::Kernels ADGAP_KERNELS = {ADGAP_ISA, pack, forward, inputGradient, weightGradient};
