// Starts the S3 emulator with the arguments given (see the test fixture S3Emulator).
// The published package has no working bin, so its CLI module is driven directly.
require('@20minutes/s3rver/lib/cli').parseAsync();
