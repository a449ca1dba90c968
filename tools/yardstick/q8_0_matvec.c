// Yardstick for issue 7's decode target, NOT part of the engine (the engine is pure Java): how fast can a
// Q8_0 matrix-vector product stream its weights on this machine when written natively, and what does each
// native-only feature buy? Build and run (docs/performance.md, "Decode: the 80 % goal and software prefetch"):
//
//   gcc -O3 -march=native -pthread tools/yardstick/q8_0_matvec.c -o /tmp/q8_0_matvec && /tmp/q8_0_matvec
//
// Kernels over ggml's Q8_0 blocks {f16 d; int8 qs[32]} (rows of 896 or 4864 columns, like Qwen2.5-0.5B):
//   float        widen int8 -> f32, FMA with the f32 activation, scale per block: the Java kernel's algorithm
//   float+pf     the same with a software prefetch (prefetcht0) PF bytes ahead: Java has no such instruction
//   float+touch  the same with a plain load PF bytes ahead (what Java can express): a load must complete before
//                it retires, so it does not raise the number of misses in flight the way a prefetch does
//   vnni         activation quantized to int8 blocks, int8 x int8 dot with VPDPBUSD (llama.cpp's approach);
//                needs AVX512-VNNI + AVX512-VL, which the Vector API does not expose
//   vnni+pf      both
// Each is timed with the weights in L2 (1 MiB per thread, best of 200 passes) and streamed from DRAM (1 GiB,
// best of 3), on 1 and 2 threads; the streaming-read line is the same 1 GiB read with 64-byte loads.
// GB/s = Q8_0 weight bytes / time.
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
    uint16_t d;
    int8_t qs[32];
} __attribute__((packed)) block_q8_0;

enum kernel { FLOAT, FLOAT_PREFETCH, FLOAT_TOUCH, VNNI, VNNI_PREFETCH, STREAM };
static const char *NAMES[] = {"float", "float+pf", "float+touch", "vnni", "vnni+pf", "streaming read"};

static int cols = 896;
static long prefetch_bytes = 16384;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline float dot_float(const block_q8_0 *row, const float *x, int nb, enum kernel k, int *touched) {
    if (k == FLOAT_PREFETCH) {
        for (long o = 0; o < (long) nb * 34; o += 64) _mm_prefetch((const char *) row + prefetch_bytes + o, _MM_HINT_T0);
    } else if (k == FLOAT_TOUCH) {
        int t = 0;
        for (long o = 0; o < (long) nb * 34; o += 64) t += ((const volatile char *) row)[prefetch_bytes + o];
        *touched += t;
    }
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (int b = 0; b < nb; b++) {
        __m512 w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) row[b].qs)));
        __m512 w1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (row[b].qs + 16))));
        __m512 s = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x + b * 32 + 16), _mm512_mul_ps(w0, _mm512_loadu_ps(x + b * 32)));
        __m512 d = _mm512_set1_ps(_cvtsh_ss(row[b].d));
        if (b & 1) acc1 = _mm512_fmadd_ps(s, d, acc1);
        else acc0 = _mm512_fmadd_ps(s, d, acc0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

static inline float dot_vnni(const block_q8_0 *row, const int8_t *xq, const float *xd, int nb, enum kernel k) {
    if (k == VNNI_PREFETCH) {
        for (long o = 0; o < (long) nb * 34; o += 64) _mm_prefetch((const char *) row + prefetch_bytes + o, _MM_HINT_T0);
    }
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (int b = 0; b < nb; b++) {
        __m256i w = _mm256_loadu_si256((const __m256i *) row[b].qs);
        __m256i a = _mm256_loadu_si256((const __m256i *) (xq + b * 32));
        // VPDPBUSD multiplies unsigned by signed bytes: use |w| and a with w's sign (as ggml does)
        __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
        __m512 f = _mm512_castps256_ps512(_mm256_cvtepi32_ps(dot));
        __m512 d = _mm512_set1_ps(_cvtsh_ss(row[b].d) * xd[b]);
        if (b & 1) acc1 = _mm512_fmadd_ps(f, d, acc1);
        else acc0 = _mm512_fmadd_ps(f, d, acc0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

typedef struct {
    const block_q8_0 *w;
    long rows;
    const float *x;
    const int8_t *xq;
    const float *xd;
    enum kernel k;
    double sink;
} job;

static void *work(void *arg) {
    job *j = arg;
    int nb = cols / 32, touched = 0;
    double s = 0;
    if (j->k == STREAM) {
        const __m512i *p = (const __m512i *) j->w, *end = (const __m512i *) (j->w + j->rows * nb);
        __m512i a = _mm512_setzero_si512();
        for (; p < end; p++) a = _mm512_add_epi64(a, _mm512_load_si512(p));
        s = (double) _mm512_reduce_add_epi64(a);
    } else {
        for (long r = 0; r < j->rows; r++) {
            const block_q8_0 *row = j->w + r * nb;
            s += j->k >= VNNI ? dot_vnni(row, j->xq, j->xd, nb, j->k) : dot_float(row, j->x, nb, j->k, &touched);
        }
    }
    j->sink = s + touched;
    return NULL;
}

/** Best GB/s over reps passes of rows rows split over threads threads. */
static double rate(const block_q8_0 *w, long rows, int reps, int threads, enum kernel k, const float *x,
                   const int8_t *xq, const float *xd) {
    double best = 1e30;
    for (int rep = 0; rep < reps; rep++) {
        pthread_t t[2];
        job j[2];
        double t0 = now();
        for (int i = 0; i < threads; i++) {
            j[i] = (job) {w + rows / threads * i * (cols / 32), rows / threads, x, xq, xd, k, 0};
            pthread_create(&t[i], NULL, work, &j[i]);
        }
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    return (double) (rows / threads * threads) * (cols / 32) * sizeof(block_q8_0) / best / 1e9;
}

int main(int argc, char **argv) {
    if (argc > 1) cols = atoi(argv[1]);
    if (argc > 2) prefetch_bytes = atol(argv[2]);
    if (cols < 32 || cols % 32 != 0) {
        fprintf(stderr, "usage: %s [cols, a multiple of 32 (default 896)] [prefetch distance in bytes (default 16384)]\n", argv[0]);
        return 2;
    }
    int nb = cols / 32;
    long row_bytes = (long) nb * sizeof(block_q8_0);
    long big = (1L << 30) / row_bytes, small = (1L << 20) / row_bytes;
    // room past the end for the prefetch/touch distance
    size_t bytes = ((big * row_bytes + prefetch_bytes + 4096) + 63) / 64 * 64;
    block_q8_0 *w = aligned_alloc(64, bytes);
    float *x = aligned_alloc(64, cols * sizeof(float)), *xd = aligned_alloc(64, nb * sizeof(float));
    int8_t *xq = aligned_alloc(64, cols);
    if (!w || !x || !xd || !xq) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    srand(1);
    for (size_t o = 0; o < bytes; o++) ((int8_t *) w)[o] = (int8_t) (rand() % 255 - 127);
    for (long i = 0; i < big * nb; i++) w[i].d = 0x2000; // 2^-7
    for (int i = 0; i < cols; i++) x[i] = rand() / (float) RAND_MAX - 0.5f;
    for (int b = 0; b < nb; b++) {
        xd[b] = 0.5f / 127;
        for (int i = 0; i < 32; i++) xq[b * 32 + i] = (int8_t) (x[b * 32 + i] / xd[b]);
    }
    printf("Q8_0 matvec, %d columns, prefetch/touch distance %ld bytes; GB/s of Q8_0 weight bytes\n", cols, prefetch_bytes);
    printf("%-15s %12s %12s %14s %14s\n", "kernel", "L2 1 thread", "L2 2 threads", "DRAM 1 thread", "DRAM 2 threads");
    enum kernel order[] = {STREAM, FLOAT, FLOAT_PREFETCH, FLOAT_TOUCH, VNNI, VNNI_PREFETCH};
    for (int i = 0; i < 6; i++) {
        enum kernel k = order[i];
        double l1 = rate(w, small, 200, 1, k, x, xq, xd), l2 = rate(w, 2 * small, 200, 2, k, x, xq, xd);
        double d1 = rate(w, big, 3, 1, k, x, xq, xd), d2 = rate(w, big, 3, 2, k, x, xq, xd);
        printf("%-15s %12.1f %12.1f %14.1f %14.1f\n", NAMES[k], l1, l2, d1, d2);
    }
    return 0;
}
