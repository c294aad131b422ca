// Every P/Invoke in RecoveryKit goes through [LibraryImport] with blittable arguments, so the runtime
// marshaller is switched off: what the source generator emits is exactly what runs under NativeAOT.
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]
