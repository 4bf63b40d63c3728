// The native hidden-layer products (src/train/engines/mlp-cpu/native/kernels.cc) against OpenBLAS's cblas_sgemm on
// the same shapes and layouts, in one process: G multiply-adds per second per core, thread CPU time, the
// fastest of 150 calls (what a call takes undisturbed, on a machine others share). bench/products-vs-openblas.sh
// builds and runs it; docs/performance.md ("The native hidden-layer products", Measured) reads it.
#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "../src/train/engines/mlp-cpu/native/kernels.h"

namespace {

double threadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

template <class F>
double gigaPerSecond(F call, double multiplyAdds) {
  double fastest = 1e9;
  for (int k = 0; k < 150; k++) {
    const double started = threadSeconds();
    call();
    const double took = threadSeconds() - started;
    if (took < fastest) fastest = took;
  }
  return multiplyAdds / fastest * 1e-9;
}

}  // namespace

int main() {
  // The cifar case: a batch of 64 rows of 3,072 features, 200 hidden units (mlp-cpu's layout: rows of stride
  // floats listed by byte address, the hidden weight transposed).
  const int n = 64, stride = 3072, hidden = 200;
  std::vector<uint8_t> memory(static_cast<size_t>(n) * stride * 4 + n * 4);
  auto *x = reinterpret_cast<float *>(memory.data());
  auto *rows = reinterpret_cast<uint32_t *>(memory.data() + static_cast<size_t>(n) * stride * 4);
  for (int i = 0; i < n; i++) {
    rows[i] = static_cast<uint32_t>(i) * stride * 4;
    for (int j = 0; j < stride; j++) x[i * stride + j] = std::rand() / static_cast<float>(RAND_MAX);
  }
  std::vector<float> w(hidden * stride), weight(hidden * stride), bias(hidden), z(n * hidden), dz(n * hidden),
      out(n * stride), gw(hidden * stride);
  for (int h = 0; h < hidden; h++)
    for (int j = 0; j < stride; j++) {
      w[h * stride + j] = (std::rand() / static_cast<float>(RAND_MAX) - 0.5f) * 0.05f;
      weight[j * hidden + h] = w[h * stride + j];  // [features][units], the layout sgemm's forward pass wants
    }
  for (auto &v : dz) v = std::rand() / static_cast<float>(RAND_MAX) - 0.5f;
  std::vector<float> forwardPacked(adgap_mlp::forwardPackedFloats(stride, hidden)),
      gradientPacked(adgap_mlp::gradientPackedFloats(stride, hidden)), scratch(n * adgap_mlp::MAX_PANEL);
  const double multiplyAdds = static_cast<double>(n) * stride * hidden;

  std::printf("G multiply-adds per second per core: forward, input gradient, weight gradient\n");
  std::printf("openblas  %5.1f %5.1f %5.1f  (%s)\n",
              gigaPerSecond([&] { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hidden, stride, 1, x, stride,
                                              weight.data(), hidden, 0, z.data(), hidden); }, multiplyAdds),
              gigaPerSecond([&] { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, stride, hidden, 1, dz.data(),
                                              hidden, w.data(), stride, 0, out.data(), stride); }, multiplyAdds),
              gigaPerSecond([&] { cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hidden, stride, n, 1, dz.data(),
                                              hidden, x, stride, 1, gw.data(), stride); }, multiplyAdds),
              openblas_get_config());
  for (const adgap_mlp::Kernels *k : {&adgap_mlp_avx512, &adgap_mlp_avx2}) {
    const bool runs = k == &adgap_mlp_avx512 ? __builtin_cpu_supports("avx512f") : __builtin_cpu_supports("avx2");
    if (!runs) continue;
    double packing = 1e9;
    for (int r = 0; r < 50; r++) {
      const double started = threadSeconds();
      k->pack(w.data(), stride, hidden, forwardPacked.data(), gradientPacked.data());
      if (threadSeconds() - started < packing) packing = threadSeconds() - started;
    }
    std::printf("%-8s  %5.1f %5.1f %5.1f  (packing the weight: %.2f ms)\n", k->isa,
                gigaPerSecond([&] { k->forward(memory.data(), rows, n, stride, forwardPacked.data(), hidden,
                                               bias.data(), z.data()); }, multiplyAdds),
                gigaPerSecond([&] { k->inputGradient(dz.data(), n, hidden, gradientPacked.data(), stride, out.data()); },
                              multiplyAdds),
                gigaPerSecond([&] { k->weightGradient(memory.data(), rows, n, stride, dz.data(), hidden, gw.data(),
                                                      scratch.data()); }, multiplyAdds),
                packing * 1e3);
  }
}
