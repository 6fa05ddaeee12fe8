/** The CLI (started by main.ts): parse args, start, shut down gracefully on SIGTERM/SIGINT. */
import { collectStartGarbage, releaseHold, settleHeap } from './heap.js';
import { checkCommand } from './check.js';
import { ConfigError, USAGE, parseConfig, type Config } from './config.js';
import { createEmulator, type EmulatorOptions } from './emulator/index.js';
import { createGateway, type GatewayOptions } from './gateway.js';
import { RedisCoordinator } from './live/redis-coordinator.js';
import { createLogger, type Logger } from './observability/logger.js';
import { printFederationSchema, printPublicSchema } from './schema/index.js';
import { startServer } from './http/server.js';

type Stop = () => Promise<void>;

/** What the gateway takes from the configuration, field by field: a setting reaches it only on purpose. */
function gatewayOptions(config: Config, logger: Logger): Omit<GatewayOptions, 'upstream'> {
  return {
    accessKey: config.accessKey,
    revealSecrets: config.revealSecrets,
    readOnly: config.readOnly,
    requestTimeoutMs: config.requestTimeoutMs,
    logPageConcurrency: config.logPageConcurrency,
    http: config.http,
    limits: config.limits,
    introspection: config.introspection,
    fastPath: config.fastPath,
    corsOrigins: config.corsOrigins,
    cache: config.responseCache && { redisUrl: config.redisUrl },
    metrics: config.metrics,
    logger,
    trustedDocuments: config.trustedDocuments,
    dashboard: config.dashboard,
    live: config.live,
    heartbeatMs: config.heartbeatMs,
    // The same Redis also decides which instance polls each subscription, so N instances poll once.
    coordinator: config.redisUrl ? sharedCoordinator(config.redisUrl, config.subscriptionLeaseMs, logger) : undefined,
  };
}

function sharedCoordinator(url: string, leaseMs: number, logger: Logger): RedisCoordinator {
  const coordinator = new RedisCoordinator({
    url,
    leaseMs,
    onError: (error) => logger.warn({ err: error }, 'subscriptions: Redis unavailable; events wait until it is back'),
  });
  // which instance holds a lease is this id in the lease's value in Redis
  logger.info(`subscriptions shared through Redis as instance ${coordinator.instanceId}`);
  return coordinator;
}

async function run(config: Config, logger: Logger): Promise<Stop | null> {
  switch (config.command) {
    case 'help':
      console.log(USAGE);
      return null;
    case 'print-schema':
      process.stdout.write(config.federation ? printFederationSchema() : printPublicSchema(config.readOnly));
      return null;
    case 'check': {
      const { report, exitCode } = await checkCommand(config);
      console.log(report);
      process.exitCode = exitCode;
      return null;
    }
    case 'emulator': {
      const emulator = createEmulator(emulatorOptions(config));
      const url = await emulator.listen(config.port, config.host);
      console.log(`YEScale emulator at ${url}`);
      for (const user of emulator.users) console.log(`  access key of ${user.username}: ${user.accessKey}`);
      return () => emulator.close();
    }
    case 'demo': {
      const emulator = createEmulator(emulatorOptions(config));
      const upstream = await emulator.listen(0, '127.0.0.1');
      const gateway = createGateway({ ...gatewayOptions(config, logger), upstream, accessKey: emulator.demoAccessKey });
      await collectStartGarbage();
      const server = await startServer(gateway, config.port, config.host);
      logger.info(`YEScale emulator at ${upstream} (demo access key ${emulator.demoAccessKey})`);
      logger.info(`GraphiQL: ${server.url}/graphql  (requests without Authorization use the demo key)`);
      // the emulator's quick task (live.ts): a person can watch one task finish
      const running = emulator.tasks('demo').filter((t) => t.status === 'QUEUED' || t.status === 'IN_PROGRESS');
      logger.info(`Emulator clock at ${config.speed}× real time; ${running.length} demo tasks running, one finishes within a minute${running.length ? ` (e.g. taskId ${running.find((t) => t.status === 'QUEUED')?.task_id ?? running[0].task_id})` : ''}`);
      if (config.dashboard) logger.info(`Dashboard: ${server.url}/dashboard`);
      return async () => {
        await server.close();
        await emulator.close();
      };
    }
    case 'serve': {
      const gateway = createGateway({ ...gatewayOptions(config, logger), upstream: config.upstream });
      await collectStartGarbage();
      const server = await startServer(gateway, config.port, config.host);
      logger.info(`yescale-graphql on ${server.url}/graphql -> ${config.upstream}`);
      if (config.dashboard) logger.info(`Dashboard: ${server.url}/dashboard`);
      if (!config.accessKey) logger.info('No YESCALE_ACCESS_KEY: callers must send Authorization: Bearer <access key>');
      return () => server.close();
    }
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`yescale-graphql: ${error.message} (see --help)`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  // Only what serves is held while it loads (src/heap.ts): the emulator's data (also demo's), a check or a
  // schema print want the compiler at once (an emulator of a million logs took ~1.8x as long without it).
  if (config.command !== 'serve') releaseHold();
  let stop: Stop | null;
  try {
    stop = await run(config, logger);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : (error as Error).message;
    console.error(`yescale-graphql: ${message}`);
    process.exit(1);
  }
  settleHeap(config.command === 'serve' || config.command === 'demo' ? config.heapGrowthPercent : 0);
  if (!stop) return;
  const shutdown = (signal: string) => {
    logger.info(`${signal}: shutting down`);
    stop()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        console.error(`yescale-graphql: shutdown failed: ${error.message}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();

/** The emulator's settings from the Config, for `emulator` and `demo` alike. */
function emulatorOptions(config: Config): EmulatorOptions {
  return { seed: config.seed, logsPerUser: config.logs, users: config.users, pageLists: config.pageLists, likeDialect: config.likeDialect, era: config.era, speed: config.speed };
}
