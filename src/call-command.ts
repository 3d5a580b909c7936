import { openApp } from './app.js';
import { configSourceOf, type CommandOptions } from './command-options.js';
import { ConfigError } from './config/error.js';
import { describeError } from './server.js';
import { withClusterChoice } from './tools/define.js';
import { allTools } from './tools/registry.js';

/** `proxmox-mcp call TOOL 'JSON'`: one tool call from the shell, its text on stdout, exit code 1 on an error. */
export async function callOnce(toolName: string | undefined, json: string | undefined, opts: CommandOptions): Promise<void> {
  // Checked before the configuration is loaded, so a typo does not start a simulator or a connection.
  const tool = allTools.find((t) => t.name === toolName);
  if (!tool) {
    const known = allTools.map((t) => t.name).join(', ');
    throw new ConfigError(toolName ? `unknown tool '${toolName}'; tools: ${known}` : `call needs a tool name: ${known}`);
  }
  let args: unknown;
  try {
    args = JSON.parse(json ?? '{}');
  } catch {
    throw new ConfigError(`call ${toolName}: the arguments must be one JSON object, e.g. '{"path":"/version"}'`);
  }
  // Checked as far as it can be before the start (`cluster` is taken when there turn out to be several).
  const check = (input: typeof tool.input) => {
    const parsed = input.safeParse(args);
    if (parsed.success) return parsed.data;
    throw new ConfigError(
      `call ${toolName}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`,
    );
  };
  check(withClusterChoice(tool).input);
  const app = await openApp(configSourceOf(opts));
  const offered = app.tools.find((t) => t.name === tool.name);
  if (!offered) {
    await app.close();
    const why = app.withheld.find((w) => w.name === tool.name)?.why ?? 'not in this configuration';
    throw new ConfigError(`${tool.name} is not offered: ${why}`);
  }
  let data: unknown;
  try {
    data = check(offered.input);
  } catch (err) {
    await app.close();
    throw err;
  }
  const controller = new AbortController();
  let failed = false;
  try {
    const out = await offered.run(data, app.runtime, { signal: controller.signal, progress: async () => {} });
    process.stdout.write(out.text + '\n');
    failed = !!out.isError;
  } catch (err) {
    process.stdout.write(describeError(err) + '\n');
    failed = true;
  } finally {
    await app.close();
  }
  process.exitCode = failed ? 1 : 0;
}
