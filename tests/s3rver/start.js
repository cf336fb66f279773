// Starts the S3 emulator with the arguments given (see the test fixture S3Emulator).
// The published package has no working bin, so its CLI module is driven directly.
const fs = require('fs/promises');
const FilesystemStore = require('@20minutes/s3rver/lib/stores/filesystem');

// The emulator's DeleteObject removes the object's directory once it looks empty, recursively and a
// moment after looking: an object another request put there meanwhile goes with it, after its PUT was
// acknowledged (real S3 has no directories). Seen as a GC race test reading 404 for a blob it had just
// been told was present; Integrity/S3EmulatorTests shows it. Empty directories are left instead.
FilesystemStore.prototype.deleteObject = async function (bucket, key) {
  await Promise.all(['object', 'object.md5', 'metadata.json'].map((kind) =>
    fs.unlink(this.getResourcePath(bucket, key, kind)).catch((err) => {
      if (err.code !== 'ENOENT') throw err;
    })));
};

require('@20minutes/s3rver/lib/cli').parseAsync();
