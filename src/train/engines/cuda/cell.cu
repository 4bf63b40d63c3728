// The `cuda` engine's stacked cell (docs/performance.md): M linear or MLP models trained in lockstep on one
// GPU, every step of src/train/engines/stacked-cell.ts (gather, PGD/FGSM/FGM with projection and clipping, the
// clean loss's parameter gradients, SGD, momentum and PyTorch's Adam, the masked update of stopped models,
// the clean validation loss and the best-weights snapshot) in hand-written kernels, no cuBLAS.
//
// One source, two builds (build.sh):
// - nvcc: the kernels run on the GPU.
// - g++ -DADGAP_HOST: every kernel body runs in a plain loop on the CPU (the "host" backend). It exists so that
//   CI, which has no GPU, runs this file's arithmetic through the same equivalence tests the GPU build must
//   pass (test/train/engines/cuda/cell.test.ts), and the GPU check (bench/gpu-check.sh) compares the two.
// Both builds sum in the same order (one output per thread, k ascending, fmaf) and compile without
// contracting a * b + c (nvcc --fmad=false, g++ -ffp-contract=off), so they round alike; only expf/logf
// differ in their last bits.
//
// Numbers: float32 everywhere, each operation rounded as tfjs rounds the same operation, so the cell matches
// the stacked tfjs cell to float32 rounding of sums in a different order. Under PGD with Adam that rounding
// can put a run on another trajectory, as it parts tfjs's own two paths (test/train/engines/fixtures/
// cuda-equivalence.ts, Reference): no summation order removes it, so the products keep fmaf's one rounding.

#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifdef ADGAP_HOST
#define HD
#else
#include <cuda_runtime.h>
#define HD __host__ __device__
#endif

namespace {

struct Failure {
  std::string message;
};

#ifdef ADGAP_HOST
const char *const BACKEND = "host";
void *allocate(size_t bytes) {
  void *p = std::calloc(bytes == 0 ? 1 : bytes, 1);
  if (p == nullptr) throw Failure{"out of host memory allocating " + std::to_string(bytes) + " bytes"};
  return p;
}
void release(void *p) { std::free(p); }
void toDevice(void *dst, const void *src, size_t bytes) { std::memcpy(dst, src, bytes); }
void toHost(void *dst, const void *src, size_t bytes) { std::memcpy(dst, src, bytes); }
void deviceCopy(void *dst, const void *src, size_t bytes) { std::memcpy(dst, src, bytes); }
void synchronize() {}
#else
const char *const BACKEND = "cuda";
void check(cudaError_t status, const char *what) {
  if (status != cudaSuccess) throw Failure{std::string("CUDA ") + what + ": " + cudaGetErrorString(status)};
}
void *allocate(size_t bytes) {
  void *p = nullptr;
  check(cudaMalloc(&p, bytes == 0 ? 1 : bytes), "cudaMalloc");
  check(cudaMemset(p, 0, bytes == 0 ? 1 : bytes), "cudaMemset");
  return p;
}
void release(void *p) { cudaFree(p); }
void toDevice(void *dst, const void *src, size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy to device");
}
void toHost(void *dst, const void *src, size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy to host");
}
void deviceCopy(void *dst, const void *src, size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy on device");
}
void synchronize() { check(cudaDeviceSynchronize(), "kernel"); }

template <typename F>
__global__ void forEachKernel(long n, F f) {
  long i = blockIdx.x * static_cast<long>(blockDim.x) + threadIdx.x;
  if (i < n) f(i);
}
#endif

/** f(i) for i in [0, n): one GPU thread each, or a loop on the host. */
template <typename F>
void forEach(long n, F f) {
  if (n <= 0) return;
#ifdef ADGAP_HOST
  for (long i = 0; i < n; i++) f(i);
#else
  forEachKernel<<<static_cast<unsigned>((n + 255) / 256), 256>>>(n, f);
  check(cudaGetLastError(), "launch");
#endif
}

/** A strided view of a batch of matrices: element (b, r, c) is p[b * batch + r * row + c * col]. */
struct View {
  const float *p;
  long batch, row, col;
  HD float at(long b, long r, long c) const { return p[b * batch + r * row + c * col]; }
};

const int TILE = 16;

#ifndef ADGAP_HOST
// C[b] = A[b] B[b] (+ bias[b]): one output per thread, k ascending through shared-memory tiles, so its sum is
// the host loop's sum, fmaf for fmaf.
__global__ void gemmKernel(int rows, int cols, int depth, View a, View b, float *c, long cBatch, const float *bias,
                           long biasBatch) {
  __shared__ float as[TILE][TILE + 1];
  __shared__ float bs[TILE][TILE + 1];
  const long batch = blockIdx.z;
  const int r0 = blockIdx.y * TILE, c0 = blockIdx.x * TILE;
  const int r = r0 + threadIdx.y;
  const int col = c0 + threadIdx.x;
  // Each tile is loaded with threadIdx.x walking the view's contiguous index, so a transposed view (a
  // weight read as W^T, the inputs read as X^T) is read coalesced too; the tiles' contents are the same.
  const bool aByRows = a.row == 1, bByRows = b.row == 1;
  float acc = 0.0f;
  for (int k0 = 0; k0 < depth; k0 += TILE) {
    const int ai = aByRows ? threadIdx.x : threadIdx.y, ak = aByRows ? threadIdx.y : threadIdx.x;
    as[ai][ak] = (r0 + ai < rows && k0 + ak < depth) ? a.at(batch, r0 + ai, k0 + ak) : 0.0f;
    const int bk = bByRows ? threadIdx.x : threadIdx.y, bj = bByRows ? threadIdx.y : threadIdx.x;
    bs[bk][bj] = (k0 + bk < depth && c0 + bj < cols) ? b.at(batch, k0 + bk, c0 + bj) : 0.0f;
    __syncthreads();
    const int kEnd = depth - k0 < TILE ? depth - k0 : TILE;
    for (int k = 0; k < kEnd; k++) acc = fmaf(as[threadIdx.y][k], bs[k][threadIdx.x], acc);
    __syncthreads();
  }
  if (r < rows && col < cols) {
    c[batch * cBatch + static_cast<long>(r) * cols + col] = bias ? acc + bias[batch * biasBatch + col] : acc;
  }
}
#endif

/** C[b] (rows x cols, dense) = A[b] (rows x depth) B[b] (depth x cols), plus bias[b] (cols) when given. */
void gemm(long batches, int rows, int cols, int depth, View a, View b, float *c, const float *bias = nullptr,
          long biasBatch = 0) {
  if (batches == 0 || rows == 0 || cols == 0) return;
  const long cBatch = static_cast<long>(rows) * cols;
#ifdef ADGAP_HOST
  for (long batch = 0; batch < batches; batch++)
    for (int r = 0; r < rows; r++)
      for (int col = 0; col < cols; col++) {
        float acc = 0.0f;
        for (int k = 0; k < depth; k++) acc = std::fmaf(a.at(batch, r, k), b.at(batch, k, col), acc);
        c[batch * cBatch + static_cast<long>(r) * cols + col] = bias ? acc + bias[batch * biasBatch + col] : acc;
      }
#else
  dim3 grid((cols + TILE - 1) / TILE, (rows + TILE - 1) / TILE, static_cast<unsigned>(batches));
  gemmKernel<<<grid, dim3(TILE, TILE)>>>(rows, cols, depth, a, b, c, cBatch, bias, biasBatch);
  check(cudaGetLastError(), "gemm launch");
#endif
}

// pure-rand's xoroshiro128plus, state as its getState() returns it: [s01, s00, s11, s10].
HD inline uint32_t nextWord(uint32_t *s) {
  const uint32_t s01 = s[0], s00 = s[1], s11 = s[2], s10 = s[3];
  const uint32_t out = s00 + s10;
  const uint32_t a0 = s10 ^ s00;
  const uint32_t a1 = s11 ^ s01;
  s[1] = (s00 << 24) ^ (s01 >> 8) ^ a0 ^ (a0 << 16);
  s[0] = (s01 << 24) ^ (s00 >> 8) ^ a1 ^ ((a1 << 16) | (a0 >> 16));
  s[3] = (a1 << 5) ^ (a0 >> 27);
  s[2] = (a0 << 5) ^ (a1 >> 27);
  return out;
}

// src/random.ts's uniform(), uniformOpen() and normal(), in the same double arithmetic.
HD inline double uniform(uint32_t *s) {
  const uint32_t high = nextWord(s) >> 5;
  const uint32_t low = nextWord(s) >> 6;
  // Times 2^-53 rather than over 2^53: the same double exactly, without a slow division on the GPU.
  return (high * 67108864.0 + low) * (1.0 / 9007199254740992.0);
}
HD inline double normal(uint32_t *s) {
  double u1 = uniform(s);
  while (u1 == 0.0) u1 = uniform(s);
  const double u2 = uniform(s);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.141592653589793 * u2);
}

HD inline float exactSign(float g) { return g > 0.0f ? 1.0f : (g < 0.0f ? -1.0f : 0.0f); }
HD inline float unitBox(float v, bool clip) { return clip ? fminf(fmaxf(v, 0.0f), 1.0f) : v; }

enum Optimizer { SGD = 0, MOMENTUM = 1, ADAM = 2 };
enum AttackKind { NONE = 0, ONE_STEP = 1, PGD = 2 };
enum Norm { LINF = 0, L2 = 1 };

struct Config {
  int models, layers, batchSize, trainCount, validationCount, optimizer, attack, norm, steps;
  bool clip;
  std::vector<int> widths;  // layers + 1: d, [hidden,] 2
  double eps, stepSize, momentum, beta1, beta2, adamEpsilon;
};

class Cell {
 public:
  explicit Cell(const Config &config) : c(config) {}
  ~Cell() {
    for (void *p : owned) release(p);
  }
  Cell(const Cell &) = delete;
  Cell &operator=(const Cell &) = delete;

  Config c;
  float *trainX = nullptr, *validationX = nullptr;
  int *trainY = nullptr, *validationY = nullptr;
  std::vector<float *> params, best, slots;  // params: W0, b0, W1, b1, ...; slots: per optimizer
  float *learningRates = nullptr, *active = nullptr;
  uint32_t *streams = nullptr;  // 4 words per model: its attack stream
  int *indices = nullptr, *labels = nullptr;
  float *clean = nullptr, *current = nullptr, *moved = nullptr, *inputGradient = nullptr, *norms = nullptr;
  std::vector<float *> pre, post, delta;  // per layer: pre-activations, activations, loss gradients
  std::vector<float *> gradients;         // per parameter
  float *losses = nullptr;
  long steps = 0;

  template <typename T>
  T *buffer(size_t count) {
    T *p = static_cast<T *>(allocate(count * sizeof(T)));
    owned.push_back(p);
    return p;
  }
  long paramSize(int k) const {
    const int layer = k / 2;
    return static_cast<long>(c.models) * (k % 2 == 0 ? c.widths[layer] : 1) * c.widths[layer + 1];
  }

 private:
  std::vector<void *> owned;
};

long rowsFor(const Cell &cell) {
  return cell.c.batchSize > cell.c.validationCount ? cell.c.batchSize : cell.c.validationCount;
}

void allocateCell(Cell &cell) {
  const Config &c = cell.c;
  const long M = c.models, d = c.widths[0], B = c.batchSize, R = rowsFor(cell);
  cell.trainX = cell.buffer<float>(static_cast<size_t>(c.trainCount) * d);
  cell.trainY = cell.buffer<int>(c.trainCount);
  cell.validationX = cell.buffer<float>(static_cast<size_t>(c.validationCount) * d);
  cell.validationY = cell.buffer<int>(c.validationCount);
  const int slotCount = c.optimizer == ADAM ? 2 : c.optimizer == MOMENTUM ? 1 : 0;
  for (int k = 0; k < 2 * c.layers; k++) {
    cell.params.push_back(cell.buffer<float>(cell.paramSize(k)));
    cell.best.push_back(cell.buffer<float>(cell.paramSize(k)));
    cell.gradients.push_back(cell.buffer<float>(cell.paramSize(k)));
  }
  for (int s = 0; s < slotCount; s++)
    for (int k = 0; k < 2 * c.layers; k++) cell.slots.push_back(cell.buffer<float>(cell.paramSize(k)));
  cell.learningRates = cell.buffer<float>(M);
  cell.active = cell.buffer<float>(M);
  cell.streams = cell.buffer<uint32_t>(4 * M);
  cell.indices = cell.buffer<int>(M * B);
  cell.labels = cell.buffer<int>(M * B);
  for (float **p : {&cell.clean, &cell.current, &cell.moved, &cell.inputGradient})
    *p = cell.buffer<float>(M * B * d);
  cell.norms = cell.buffer<float>(M * B);
  for (int layer = 0; layer < c.layers; layer++) {
    const long width = c.widths[layer + 1];
    cell.pre.push_back(cell.buffer<float>(M * R * width));
    cell.post.push_back(cell.buffer<float>(M * R * width));
    cell.delta.push_back(cell.buffer<float>(M * B * width));
  }
  cell.losses = cell.buffer<float>(M);
}

/**
 * Logits of every model: input rows [M, n, d] (inputBatch = n * d) or one [n, d] shared by all (inputBatch 0),
 * into pre/post per layer; the last layer's pre-activations are the logits. tfjs rounds matMul, then the
 * bias add, then relu: so do these.
 */
void forward(Cell &cell, const float *input, long inputBatch, int n) {
  const Config &c = cell.c;
  View in{input, inputBatch, c.widths[0], 1};
  for (int layer = 0; layer < c.layers; layer++) {
    const int inputs = c.widths[layer], outputs = c.widths[layer + 1];
    View weight{cell.params[2 * layer], static_cast<long>(inputs) * outputs, outputs, 1};
    float *pre = cell.pre[layer];
    gemm(c.models, n, outputs, inputs, in, weight, pre, cell.params[2 * layer + 1], outputs);
    if (layer == c.layers - 1) break;
    float *post = cell.post[layer];
    forEach(static_cast<long>(c.models) * n * outputs, [=] HD(long i) { post[i] = fmaxf(pre[i], 0.0f); });
    in = View{post, static_cast<long>(n) * outputs, outputs, 1};
  }
}

/**
 * d(sum over models of each model's mean cross-entropy)/d(logits), [M, n, 2], into delta[last], as tfjs's
 * crossEntropySum differentiates it: the other class's probability p, and for the true class -p rather than
 * p_y - 1, which float32 rounds to 0 for a confidently classified sample.
 */
void lossGradient(Cell &cell, const int *labels, int n) {
  const float *logits = cell.pre[cell.c.layers - 1];
  float *out = cell.delta[cell.c.layers - 1];
  const float inverse = 1.0f / static_cast<float>(n);
  forEach(static_cast<long>(cell.c.models) * n, [=] HD(long row) {
    const float z0 = logits[2 * row], z1 = logits[2 * row + 1];
    const float top = fmaxf(z0, z1);
    const float logSum = logf(expf(z0 - top) + expf(z1 - top));
    const int label = labels[row];
    const float other = expf((label == 0 ? z1 : z0) - top - logSum);
    out[2 * row + label] = -other * inverse;
    out[2 * row + 1 - label] = other * inverse;
  });
}

/** Back from the logits' gradient to the first layer's (delta[0]); relu's derivative is 1 where pre > 0. */
void backThroughLayers(Cell &cell, int n) {
  const Config &c = cell.c;
  for (int layer = c.layers - 1; layer > 0; layer--) {
    const int inputs = c.widths[layer], outputs = c.widths[layer + 1];
    View upstream{cell.delta[layer], static_cast<long>(n) * outputs, outputs, 1};
    View transposed{cell.params[2 * layer], static_cast<long>(inputs) * outputs, 1, outputs};
    float *below = cell.delta[layer - 1];
    gemm(c.models, n, inputs, outputs, upstream, transposed, below);
    const float *pre = cell.pre[layer - 1];
    forEach(static_cast<long>(c.models) * n * inputs,
            [=] HD(long i) { below[i] = pre[i] > 0.0f ? below[i] : 0.0f; });
  }
}

/** The input gradient [M, n, d] of every model's mean loss at `input` (its own rows), into inputGradient. */
void inputGradientAt(Cell &cell, const float *input, int n) {
  const Config &c = cell.c;
  const long d = c.widths[0];
  forward(cell, input, n * d, n);
  lossGradient(cell, cell.labels, n);
  backThroughLayers(cell, n);
  const int outputs = c.widths[1];
  View upstream{cell.delta[0], static_cast<long>(n) * outputs, outputs, 1};
  View transposed{cell.params[0], d * outputs, 1, outputs};
  gemm(c.models, n, static_cast<int>(d), outputs, upstream, transposed, cell.inputGradient);
}

/** sign(g) for linf; g / max(||g||_2, 1e-30) per row for l2 (attacks.ts's direction), in place. */
void direction(Cell &cell, int n) {
  const long d = cell.c.widths[0], rows = static_cast<long>(cell.c.models) * n;
  float *g = cell.inputGradient;
  if (cell.c.norm == LINF) {
    forEach(rows * d, [=] HD(long i) { g[i] = exactSign(g[i]); });
    return;
  }
  float *norms = cell.norms;
  forEach(rows, [=] HD(long row) {
    float sum = 0.0f;
    for (long f = 0; f < d; f++) sum += g[row * d + f] * g[row * d + f];
    norms[row] = fmaxf(sqrtf(sum), 1e-30f);
  });
  forEach(rows * d, [=] HD(long i) { g[i] = g[i] / norms[i / d]; });
}

/** delta *= min(1, eps / max(||delta||_2, 1e-30)) per row (attacks.ts's projectL2), in place. */
void projectL2(Cell &cell, float *delta, int n) {
  const long d = cell.c.widths[0], rows = static_cast<long>(cell.c.models) * n;
  const float eps = static_cast<float>(cell.c.eps);
  float *norms = cell.norms;
  forEach(rows, [=] HD(long row) {
    float sum = 0.0f;
    for (long f = 0; f < d; f++) sum += delta[row * d + f] * delta[row * d + f];
    norms[row] = fminf(1.0f, eps / fmaxf(sqrtf(sum), 1e-30f));
  });
  forEach(rows * d, [=] HD(long i) { delta[i] = delta[i] * norms[i / d]; });
}

/**
 * PGD's random start into `moved`, model-major: model m's n * d values from its own attack stream, in
 * attacks.ts's randomStart order (stacked-cell.ts's modelMajorDraws), one thread per model.
 */
void randomStart(Cell &cell, int n) {
  const Config &c = cell.c;
  const long perModel = static_cast<long>(n) * c.widths[0];
  float *out = cell.moved;
  uint32_t *streams = cell.streams;
  const double eps = c.eps;
  const int kind = c.norm == LINF ? 0 : c.clip ? 1 : 2;
  forEach(c.models, [=] HD(long m) {
    uint32_t *s = streams + 4 * m;
    float *values = out + m * perModel;
    for (long i = 0; i < perModel; i++) {
      values[i] = kind == 0   ? static_cast<float>((2 * uniform(s) - 1) * eps)
                  : kind == 1 ? static_cast<float>(uniform(s))
                              : static_cast<float>(normal(s));
    }
  });
}

/** attacks.ts's attack() on the cell's clean rows, the adversarial rows left in `current`. */
void attack(Cell &cell, int n) {
  const Config &c = cell.c;
  const long count = static_cast<long>(c.models) * n * c.widths[0];
  const float *x = cell.clean;
  float *current = cell.current, *moved = cell.moved, *g = cell.inputGradient;
  const bool clip = c.clip;
  const float eps = static_cast<float>(c.eps);
  if (c.attack == ONE_STEP) {
    inputGradientAt(cell, x, n);
    direction(cell, n);
    forEach(count, [=] HD(long i) { current[i] = unitBox(x[i] + g[i] * eps, clip); });
    return;
  }
  randomStart(cell, n);
  if (c.norm == LINF) {
    forEach(count, [=] HD(long i) { current[i] = unitBox(x[i] + moved[i], clip); });
  } else if (clip) {
    forEach(count, [=] HD(long i) { moved[i] = moved[i] - x[i]; });
    projectL2(cell, moved, n);
    forEach(count, [=] HD(long i) { current[i] = unitBox(x[i] + moved[i], true); });
  } else {
    // Unbounded data: a normalised Gaussian of radius eps.
    const long d = c.widths[0], rows = static_cast<long>(c.models) * n;
    float *norms = cell.norms;
    forEach(rows, [=] HD(long row) {
      float sum = 0.0f;
      for (long f = 0; f < d; f++) sum += moved[row * d + f] * moved[row * d + f];
      norms[row] = fmaxf(sqrtf(sum), 1e-30f);
    });
    forEach(count, [=] HD(long i) { current[i] = x[i] + (moved[i] / norms[i / d]) * eps; });
  }
  const float stepSize = static_cast<float>(c.stepSize);
  for (int step = 0; step < c.steps; step++) {
    inputGradientAt(cell, current, n);
    direction(cell, n);
    if (c.norm == LINF) {
      forEach(count, [=] HD(long i) {
        const float next = current[i] + g[i] * stepSize;
        current[i] = unitBox(x[i] + fminf(fmaxf(next - x[i], -eps), eps), clip);
      });
    } else {
      forEach(count, [=] HD(long i) { moved[i] = unitBox(current[i] + g[i] * stepSize, clip) - x[i]; });
      projectL2(cell, moved, n);
      forEach(count, [=] HD(long i) { current[i] = x[i] + moved[i]; });
    }
  }
}

/** Parameter gradients of every model's mean loss at `input` (the adversarial or clean rows). */
void parameterGradients(Cell &cell, const float *input, int n) {
  const Config &c = cell.c;
  const long d = c.widths[0];
  forward(cell, input, n * d, n);
  lossGradient(cell, cell.labels, n);
  backThroughLayers(cell, n);
  for (int layer = 0; layer < c.layers; layer++) {
    const int inputs = c.widths[layer], outputs = c.widths[layer + 1];
    const float *below = layer == 0 ? input : cell.post[layer - 1];
    View transposed{below, static_cast<long>(n) * inputs, 1, inputs};
    View upstream{cell.delta[layer], static_cast<long>(n) * outputs, outputs, 1};
    gemm(c.models, inputs, outputs, n, transposed, upstream, cell.gradients[2 * layer]);
    const float *delta = cell.delta[layer];
    float *bias = cell.gradients[2 * layer + 1];
    forEach(static_cast<long>(c.models) * outputs, [=] HD(long i) {
      const long m = i / outputs, o = i % outputs;
      float sum = 0.0f;
      for (int j = 0; j < n; j++) sum += delta[(m * n + j) * outputs + o];
      bias[i] = sum;
    });
  }
}

/** stacked-cell.ts's optimizerStep: PyTorch's rules in tfjs's float32 order, lr * active per model. */
void optimizerStep(Cell &cell) {
  const Config &c = cell.c;
  cell.steps += 1;
  const int count = 2 * c.layers;
  const float momentum = static_cast<float>(c.momentum);
  const float beta1 = static_cast<float>(c.beta1), beta2 = static_cast<float>(c.beta2);
  const float oneMinusBeta1 = static_cast<float>(1 - c.beta1), oneMinusBeta2 = static_cast<float>(1 - c.beta2);
  const float correction1 = static_cast<float>(1 - std::pow(c.beta1, static_cast<double>(cell.steps)));
  const float correction2 = static_cast<float>(1 - std::pow(c.beta2, static_cast<double>(cell.steps)));
  const float epsilon = static_cast<float>(c.adamEpsilon);
  const int optimizer = c.optimizer;
  const float *lr = cell.learningRates, *active = cell.active;
  for (int k = 0; k < count; k++) {
    float *p = cell.params[k];
    const float *g = cell.gradients[k];
    float *first = optimizer == SGD ? nullptr : cell.slots[k];
    float *second = optimizer == ADAM ? cell.slots[k + count] : nullptr;
    const long perModel = cell.paramSize(k) / c.models;
    forEach(cell.paramSize(k), [=] HD(long i) {
      const long m = i / perModel;
      float update = g[i];
      if (optimizer == MOMENTUM) {
        first[i] = first[i] * momentum + g[i];
        update = first[i];
      } else if (optimizer == ADAM) {
        first[i] = first[i] * beta1 + g[i] * oneMinusBeta1;
        second[i] = second[i] * beta2 + (g[i] * g[i]) * oneMinusBeta2;
        update = (first[i] / correction1) / (sqrtf(second[i] / correction2) + epsilon);
      }
      p[i] = p[i] - update * (lr[m] * active[m]);
    });
  }
}

/** One step of every model on its own batch: indices holds M batches of n sample indexes. */
void step(Cell &cell, const int32_t *hostIndices, int n) {
  const Config &c = cell.c;
  const long d = c.widths[0], M = c.models;
  toDevice(cell.indices, hostIndices, sizeof(int32_t) * M * n);
  const int *indices = cell.indices;
  int *labels = cell.labels;
  const int *trainY = cell.trainY;
  const float *trainX = cell.trainX;
  float *clean = cell.clean;
  forEach(M * n, [=] HD(long row) { labels[row] = trainY[indices[row]]; });
  forEach(M * n * d, [=] HD(long i) { clean[i] = trainX[indices[i / d] * d + i % d]; });
  const float *input = clean;
  if (c.attack != NONE) {
    attack(cell, n);
    input = cell.current;
  }
  parameterGradients(cell, input, n);
  optimizerStep(cell);
  synchronize();
}

/** The clean validation loss of every model (stacked-cell.ts's observeValidation), float32 as tfjs sums it. */
std::vector<float> validationLosses(Cell &cell) {
  const Config &c = cell.c;
  const int n = c.validationCount;
  forward(cell, cell.validationX, 0, n);
  const float *logits = cell.pre[c.layers - 1];
  const int *labels = cell.validationY;
  float *losses = cell.losses;
  forEach(c.models, [=] HD(long m) {
    float sum = 0.0f;
    for (int j = 0; j < n; j++) {
      const float z0 = logits[(m * n + j) * 2], z1 = logits[(m * n + j) * 2 + 1];
      const float top = fmaxf(z0, z1);
      const float logSum = logf(expf(z0 - top) + expf(z1 - top));
      sum += (labels[j] == 0 ? z0 : z1) - top - logSum;
    }
    losses[m] = -sum / static_cast<float>(n);
  });
  std::vector<float> out(c.models);
  toHost(out.data(), cell.losses, sizeof(float) * c.models);
  return out;
}

/** Keeps the weights of the models that improved as their best, and sets which models still train. */
void observe(Cell &cell, const uint8_t *improvedHost, const float *activeHost) {
  const Config &c = cell.c;
  toDevice(cell.active, activeHost, sizeof(float) * c.models);
  for (int k = 0; k < 2 * c.layers; k++) {
    const long perModel = cell.paramSize(k) / c.models;
    for (int m = 0; m < c.models; m++) {
      if (improvedHost[m])
        deviceCopy(cell.best[k] + m * perModel, cell.params[k] + m * perModel, sizeof(float) * perModel);
    }
  }
  synchronize();
}

// ---- Node-API glue: plain node_api.h, positional arguments; src/train/engines/cuda/addon.ts types them. ----

napi_value throwError(napi_env env, const std::string &message) {
  napi_throw_error(env, "ADGAP_CUDA", message.c_str());
  return nullptr;
}

#define NAPI(call)                                                         \
  do {                                                                     \
    if ((call) != napi_ok) throw Failure{std::string("node-api: ") + #call}; \
  } while (0)

std::vector<napi_value> arguments(napi_env env, napi_callback_info info, size_t expected) {
  std::vector<napi_value> args(expected);
  size_t count = expected;
  NAPI(napi_get_cb_info(env, info, &count, args.data(), nullptr, nullptr));
  if (count != expected) throw Failure{"expected " + std::to_string(expected) + " arguments"};
  return args;
}

template <typename T>
std::pair<T *, size_t> typedArray(napi_env env, napi_value value, napi_typedarray_type type, const char *what) {
  bool is = false;
  NAPI(napi_is_typedarray(env, value, &is));
  if (!is) throw Failure{std::string(what) + " must be a typed array"};
  napi_typedarray_type actual;
  size_t length = 0;
  void *data = nullptr;
  NAPI(napi_get_typedarray_info(env, value, &actual, &length, &data, nullptr, nullptr));
  if (actual != type) throw Failure{std::string(what) + " has the wrong element type"};
  return {static_cast<T *>(data), length};
}

Cell *unwrap(napi_env env, napi_value value) {
  void *data = nullptr;
  NAPI(napi_get_value_external(env, value, &data));
  if (data == nullptr) throw Failure{"the cell was disposed"};
  return *static_cast<Cell **>(data);
}

napi_value string(napi_env env, const std::string &s) {
  napi_value v;
  NAPI(napi_create_string_utf8(env, s.c_str(), s.size(), &v));
  return v;
}

napi_value floatArray(napi_env env, const float *source, size_t count, bool fromDevice) {
  void *data = nullptr;
  napi_value buffer, array;
  NAPI(napi_create_arraybuffer(env, count * sizeof(float), &data, &buffer));
  if (fromDevice)
    toHost(data, source, count * sizeof(float));
  else
    std::memcpy(data, source, count * sizeof(float));
  NAPI(napi_create_typedarray(env, napi_float32_array, count, buffer, 0, &array));
  return array;
}

/** device(): { backend, name } when kernels can run here, else { backend, reason }. */
napi_value Device(napi_env env, napi_callback_info) {
  try {
    napi_value result;
    NAPI(napi_create_object(env, &result));
    NAPI(napi_set_named_property(env, result, "backend", string(env, BACKEND)));
#ifdef ADGAP_HOST
    NAPI(napi_set_named_property(env, result, "name", string(env, "host emulation (no GPU)")));
#else
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    std::string reason;
    if (status != cudaSuccess)
      reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status);
    else if (count == 0)
      reason = "no CUDA device";
    if (reason.empty()) {
      cudaDeviceProp props;
      check(cudaGetDeviceProperties(&props, 0), "cudaGetDeviceProperties");
      // A launch proves this build holds code the device can run (SASS for it or PTX it can JIT).
      // forEach throws when the launch itself fails (no kernel image for this device), which is a reason too.
      std::string failed;
      float *probe = static_cast<float *>(allocate(sizeof(float)));
      try {
        forEach(1, [=] __device__(long i) { probe[i] = 1.0f; });
        cudaError_t launched = cudaDeviceSynchronize();
        if (launched != cudaSuccess) failed = cudaGetErrorString(launched);
      } catch (const Failure &f) {
        failed = f.message;
      }
      release(probe);
      if (!failed.empty())
        reason = std::string(props.name) + " (sm_" + std::to_string(props.major) + std::to_string(props.minor) +
                 ") cannot run this build: " + failed + "; rebuild it on this machine";
      else
        NAPI(napi_set_named_property(env, result, "name",
                                     string(env, std::string(props.name) + " (sm_" + std::to_string(props.major) +
                                                     std::to_string(props.minor) + ")")));
    }
    if (!reason.empty()) NAPI(napi_set_named_property(env, result, "reason", string(env, reason)));
#endif
    return result;
  } catch (const Failure &f) {
    return throwError(env, f.message);
  }
}

void finalizeCell(napi_env, void *data, void *) {
  Cell **slot = static_cast<Cell **>(data);
  delete *slot;
  delete slot;
}

/**
 * create(ints, doubles, trainX, trainY, validationX, validationY, parameters, learningRates, streams):
 * ints = [models, layers, batchSize, optimizer, attack, norm, steps, clip, ...widths],
 * doubles = [eps, stepSize, momentum, beta1, beta2, adamEpsilon].
 */
napi_value Create(napi_env env, napi_callback_info info) {
  Cell *cell = nullptr;
  try {
    auto args = arguments(env, info, 9);
    auto ints = typedArray<int32_t>(env, args[0], napi_int32_array, "ints");
    auto doubles = typedArray<double>(env, args[1], napi_float64_array, "doubles");
    if (ints.second < 10 || doubles.second != 6) throw Failure{"malformed cell configuration"};
    Config c{};
    c.models = ints.first[0];
    c.layers = ints.first[1];
    c.batchSize = ints.first[2];
    c.optimizer = ints.first[3];
    c.attack = ints.first[4];
    c.norm = ints.first[5];
    c.steps = ints.first[6];
    c.clip = ints.first[7] != 0;
    if (c.layers < 1 || ints.second != static_cast<size_t>(8 + c.layers + 1))
      throw Failure{"malformed layer widths"};
    c.widths.assign(ints.first + 8, ints.first + 8 + c.layers + 1);
    c.eps = doubles.first[0];
    c.stepSize = doubles.first[1];
    c.momentum = doubles.first[2];
    c.beta1 = doubles.first[3];
    c.beta2 = doubles.first[4];
    c.adamEpsilon = doubles.first[5];
    const long d = c.widths[0];
    auto trainX = typedArray<float>(env, args[2], napi_float32_array, "trainX");
    auto trainY = typedArray<int32_t>(env, args[3], napi_int32_array, "trainY");
    auto validationX = typedArray<float>(env, args[4], napi_float32_array, "validationX");
    auto validationY = typedArray<int32_t>(env, args[5], napi_int32_array, "validationY");
    c.trainCount = static_cast<int>(trainY.second);
    c.validationCount = static_cast<int>(validationY.second);
    if (trainX.second != trainY.second * d || validationX.second != validationY.second * d)
      throw Failure{"data and labels disagree on the sample count"};
    cell = new Cell(c);
    allocateCell(*cell);
    toDevice(cell->trainX, trainX.first, trainX.second * sizeof(float));
    toDevice(cell->trainY, trainY.first, trainY.second * sizeof(int32_t));
    toDevice(cell->validationX, validationX.first, validationX.second * sizeof(float));
    toDevice(cell->validationY, validationY.first, validationY.second * sizeof(int32_t));
    uint32_t count = 0;
    NAPI(napi_get_array_length(env, args[6], &count));
    if (count != static_cast<uint32_t>(2 * c.layers)) throw Failure{"one initial array per parameter expected"};
    for (uint32_t k = 0; k < count; k++) {
      napi_value element;
      NAPI(napi_get_element(env, args[6], k, &element));
      auto values = typedArray<float>(env, element, napi_float32_array, "parameter");
      if (static_cast<long>(values.second) != cell->paramSize(static_cast<int>(k)))
        throw Failure{"parameter " + std::to_string(k) + " has the wrong size"};
      toDevice(cell->params[k], values.first, values.second * sizeof(float));
      toDevice(cell->best[k], values.first, values.second * sizeof(float));
    }
    auto rates = typedArray<float>(env, args[7], napi_float32_array, "learningRates");
    auto streams = typedArray<uint32_t>(env, args[8], napi_uint32_array, "streams");
    if (rates.second != static_cast<size_t>(c.models) || streams.second != static_cast<size_t>(4 * c.models))
      throw Failure{"one learning rate and one 4-word stream per model expected"};
    toDevice(cell->learningRates, rates.first, rates.second * sizeof(float));
    toDevice(cell->streams, streams.first, streams.second * sizeof(uint32_t));
    std::vector<float> ones(c.models, 1.0f);
    toDevice(cell->active, ones.data(), ones.size() * sizeof(float));
    synchronize();
    Cell **slot = new Cell *(cell);
    napi_value external;
    if (napi_create_external(env, slot, finalizeCell, nullptr, &external) != napi_ok) {
      delete slot;
      throw Failure{"node-api: napi_create_external"};
    }
    return external;
  } catch (const Failure &f) {
    delete cell;
    return throwError(env, f.message);
  }
}

/** step(cell, indices, n): one optimiser step of every model on its own n samples. */
napi_value Step(napi_env env, napi_callback_info info) {
  try {
    auto args = arguments(env, info, 3);
    Cell *cell = unwrap(env, args[0]);
    auto indices = typedArray<int32_t>(env, args[1], napi_int32_array, "indices");
    int32_t n = 0;
    NAPI(napi_get_value_int32(env, args[2], &n));
    if (n < 1 || n > cell->c.batchSize || indices.second != static_cast<size_t>(n) * cell->c.models)
      throw Failure{"indices must hold one batch of n <= batchSize samples per model"};
    for (size_t i = 0; i < indices.second; i++)
      if (indices.first[i] < 0 || indices.first[i] >= cell->c.trainCount) throw Failure{"sample index out of range"};
    step(*cell, indices.first, n);
    return nullptr;
  } catch (const Failure &f) {
    return throwError(env, f.message);
  }
}

napi_value ValidationLosses(napi_env env, napi_callback_info info) {
  try {
    auto args = arguments(env, info, 1);
    auto losses = validationLosses(*unwrap(env, args[0]));
    return floatArray(env, losses.data(), losses.size(), false);
  } catch (const Failure &f) {
    return throwError(env, f.message);
  }
}

/** observe(cell, improved: Uint8Array, active: Float32Array). */
napi_value Observe(napi_env env, napi_callback_info info) {
  try {
    auto args = arguments(env, info, 3);
    Cell *cell = unwrap(env, args[0]);
    auto improved = typedArray<uint8_t>(env, args[1], napi_uint8_array, "improved");
    auto active = typedArray<float>(env, args[2], napi_float32_array, "active");
    if (improved.second != static_cast<size_t>(cell->c.models) || active.second != improved.second)
      throw Failure{"one flag per model expected"};
    observe(*cell, improved.first, active.first);
    return nullptr;
  } catch (const Failure &f) {
    return throwError(env, f.message);
  }
}

/** parameters(cell, model, best): that model's parameters in models.ts's order and layout. */
napi_value Parameters(napi_env env, napi_callback_info info) {
  try {
    auto args = arguments(env, info, 3);
    Cell *cell = unwrap(env, args[0]);
    int32_t m = 0;
    bool best = false;
    NAPI(napi_get_value_int32(env, args[1], &m));
    NAPI(napi_get_value_bool(env, args[2], &best));
    if (m < 0 || m >= cell->c.models) throw Failure{"model index out of range"};
    napi_value list;
    NAPI(napi_create_array_with_length(env, 2 * cell->c.layers, &list));
    for (int k = 0; k < 2 * cell->c.layers; k++) {
      const long perModel = cell->paramSize(k) / cell->c.models;
      const float *source = (best ? cell->best[k] : cell->params[k]) + m * perModel;
      NAPI(napi_set_element(env, list, k, floatArray(env, source, perModel, true)));
    }
    return list;
  } catch (const Failure &f) {
    return throwError(env, f.message);
  }
}

/** dispose(cell): frees its memory now rather than at garbage collection. */
napi_value Dispose(napi_env env, napi_callback_info info) {
  try {
    auto args = arguments(env, info, 1);
    void *data = nullptr;
    NAPI(napi_get_value_external(env, args[0], &data));
    Cell **slot = static_cast<Cell **>(data);
    delete *slot;
    *slot = nullptr;
    return nullptr;
  } catch (const Failure &f) {
    return throwError(env, f.message);
  }
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const std::pair<const char *, napi_callback> functions[] = {
      {"device", Device},   {"create", Create},         {"step", Step},   {"validationLosses", ValidationLosses},
      {"observe", Observe}, {"parameters", Parameters}, {"dispose", Dispose}};
  for (const auto &[name, callback] : functions) {
    napi_value fn;
    if (napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, nullptr, &fn) != napi_ok ||
        napi_set_named_property(env, exports, name, fn) != napi_ok)
      return nullptr;
  }
  return exports;
}
