import AttnlabCLI
import Foundation
import TensorCore

#if os(Linux)
// OpenBLAS chooses its kernels as it loads, before this line runs; on a CPU it does not recognise
// it falls back to slow generic ones. Its documented override is read at load time only, so set it
// and start this same program again, once (see BLASCore).
if getenv("OPENBLAS_CORETYPE") == nil, let coreType = BLASCore.betterCoreType(cpuFlags: CPUFlags.current()) {
    setenv("OPENBLAS_CORETYPE", coreType, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only on failure; carry on with the kernels we have.
}
#endif

Attnlab.removeTemporaryFilesOnInterrupt()
exit(Attnlab.execute(Array(CommandLine.arguments.dropFirst())))
