/** `caged api`: the HTTP API in front of the queue (src/api/server.ts), configured by CAGED_* variables. */
import { configTable, loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { ApiServer } from '../api/server';
import { createLogger } from '../queue/log';
import { API_USAGE } from './usage';

export async function apiCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    out.write(`${API_USAGE}\n\ndocs/api.md describes the routes. Configuration (environment variables):\n\n${configTable()}\n`);
    return 0;
  }
  if (argv.length > 0) throw new InvalidRequestError('caged api takes no arguments: configure it with CAGED_* variables', argv[0]);
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, worker: config.workerName });
  const server = await ApiServer.create(config, logger);
  const port = await server.listen(config.apiHost, config.apiPort);
  logger.info({ host: config.apiHost, port, auth: config.apiAuth, queue: config.queue }, 'api listening');
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'api stopping');
      void server.close().finally(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
