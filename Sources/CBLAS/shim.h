#include <stddef.h>
#include <cblas.h>

// Two LAPACK routines that OpenBLAS ships but whose header Debian's libopenblas-dev leaves out.
// Fortran calling convention: every argument by pointer, plus the hidden lengths of the
// character arguments at the end.
void sgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, float *a, const int *lda,
             float *s, float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *info, size_t jobu_length, size_t jobvt_length);
void sgetrf_(const int *m, const int *n, float *a, const int *lda, int *ipiv, int *info);
