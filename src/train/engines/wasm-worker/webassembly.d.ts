// TypeScript declares the WebAssembly JS API only in its DOM and WebWorker libs, which would also declare
// browser globals that Node lacks, and @types/node (24) declares none of it. These are the parts kernels.ts uses,
// as Node 20 and 24 provide them.
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
