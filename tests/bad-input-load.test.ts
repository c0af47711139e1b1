/**
 * Bad inputs of the load scenario and the local endpoints' autoscaling: each a single clear line on
 * stderr naming the field or flag, before anything is measured or a run folder exists.
 */
import { catalogue, cli, config, fail, usage } from './helpers/bad-input';

const load = (block: object) => ({ load: block });

catalogue('load scenario: config fields', [
  config('load without rates or search', load({}), /config\.load: give exactly one of "rates" .* or "search"/),
  config('load with both rates and search', load({ rates: [1], search: { start: 1, factor: 2, max: 8 } }), /config\.load: give exactly one of "rates"/),
  config('load.rates empty', load({ rates: [] }), /config\.load\.rates: expected at least one rate/),
  config('load.rates with 0', load({ rates: [2, 0] }), /config\.load\.rates\[1\]: expected a rate above 0 requests per second \(at most 5000\), got 0/),
  config('load.rates a string', load({ rates: '2,4' }), /config\.load\.rates: expected a list, got "2,4"/),
  config('load.rates over the generator ceiling', load({ rates: [10_000] }), /config\.load\.rates\[0\]: expected a number ≤ 5000, got 10000/),
  config('load.rates with a duplicate', load({ rates: [2, 2] }), /config\.load\.rates: a rate is listed twice/),
  config('load.search with both factor and step', load({ search: { start: 1, factor: 2, step: 1, max: 8 } }), /config\.load\.search: give exactly one of "factor" .* or "step"/),
  config('load.search max below start', load({ search: { start: 8, factor: 2, max: 2 } }), /config\.load\.search\.max: 2 is below start \(8\)/),
  config('load.search factor 1 (never grows)', load({ search: { start: 1, factor: 1, max: 8 } }), /config\.load\.search\.factor: expected a number from 1\.05 to 10, got 1/),
  config('load.search with too many rates', load({ search: { start: 1, step: 1, max: 100 } }), /config\.load\.search: from 1 to 100 that is more than 40 rates/),
  config('load.slo.percentile 100', load({ rates: [1], slo: { percentile: 100, ms: 500 } }), /config\.load\.slo\.percentile: expected a number from 50 to 99\.99, got 100/),
  config('load.slo.ms 0', load({ rates: [1], slo: { ms: 0 } }), /config\.load\.slo\.ms: expected a number from 1 to 600000, got 0/),
  config('load.slo with an unknown key', load({ rates: [1], slo: { p: 99 } }), /config\.load\.slo\.p: unknown field \(accepted: percentile, ms\)/),
  config('load.arrival unknown', load({ rates: [1], arrival: 'bursty' }), /config\.load\.arrival: expected one of poisson, constant, got "bursty"/),
  config('load.maxInFlight 0', load({ rates: [1], maxInFlight: 0 }), /config\.load\.maxInFlight: expected a whole number from 1 to 4096, got 0/),
  config('load.step.minRequests 0', load({ rates: [1], step: { minRequests: 0 } }), /config\.load\.step\.minRequests: expected a whole number from 1 to 1000000, got 0/),
  config('load.coldStart.idleS negative', load({ rates: [1], coldStart: { idleS: -1 } }), /config\.load\.coldStart\.idleS: expected a number from 0 to 3600, got -1/),
  config('load over its own request budget', load({ rates: [100, 200], maxRequests: 1000 }), /config\.load: the planned steps need up to 3600 requests .* more than maxRequests \(1000\)/),
  config('load unknown field', load({ rates: [1], rate: 2 }), /config\.load\.rate: unknown field \(accepted: arrival, rates, search/),
]);

catalogue('load scenario and autoscaling: flags', [
  cli('--load-rates with a word', ['run', '--local', '--load-rates', '2,four'], fail(/--load-rates takes a positive number, got "four"/)),
  cli('--load-rates with 0', ['run', '--local', '--load-rates', '0'], fail(/--load-rates takes a positive number, got "0"/)),
  cli('--load-rates without its value', ['run', '--local', '--load-rates'], usage(/option '--load-rates <list>' argument missing/)),
  cli('--load-search malformed', ['run', '--local', '--load-search', '1-16'], fail(/--load-search takes START\.\.MAX, START\.\.MAX\+STEP or START\.\.MAXxFACTOR/)),
  cli('--load-rates and --load-search together', ['run', '--local', '--load-rates', '2', '--load-search', '1..8'], fail(/give --load-rates or --load-search, not both/)),
  cli('--slo-ms without a load scenario', ['run', '--local', '--slo-ms', '500'], fail(/--slo-ms, --slo-percentile, --arrival and --step-seconds shape a load scenario: add --load-rates or --load-search/)),
  cli('--arrival unknown', ['run', '--local', '--load-rates', '2', '--arrival', 'bursty'], fail(/the load options: load\.arrival: expected one of poisson, constant, got "bursty"/)),
  cli('--load-rates over the default budget', ['run', '--local', '--load-rates', '2000,4000'], fail(/the load options: load: the planned steps need up to \d+ requests .*maxRequests \(20000\)/)),
  cli('--autoscale malformed', ['run', '--local', '--autoscale', '4'], fail(/--autoscale: expected MIN\.\.MAX instances, e\.g\. 1\.\.4, got "4"/)),
  cli('--autoscale MIN above MAX', ['stack', 'up', '--autoscale', '3..2'], fail(/--autoscale: MIN \(3\) is above MAX \(2\)/)),
  cli('--autoscale MAX too high', ['stack', 'up', '--autoscale', '1..99'], fail(/--autoscale: MAX is at most 32 on one machine/)),
  cli('--autoscale 0..0', ['stack', 'up', '--autoscale', '0..0'], fail(/--autoscale: MAX must be at least 1, got 0\.\.0/)),
  cli('--cooldown-s without --autoscale', ['stack', 'up', '--cooldown-s', '5'], fail(/--autoscale-target, --provision-s and --cooldown-s tune autoscaling: add --autoscale MIN\.\.MAX/)),
  cli('--provision-s negative', ['stack', 'up', '--autoscale', '1..2', '--provision-s', '-1'], fail(/--provision-s takes a number ≥ 0, got "-1"/)),
  cli('--autoscale without --local', ['run', '--config', 'nope.yaml', '--autoscale', '1..2'], fail(/config file .*nope\.yaml does not exist|--autoscale scales the local stack/)),
]);

catalogue('web app: flags', [
  cli('app --port 70000', ['app', '--port', '70000'], fail(/--port takes a whole number from 0 to 65535, got 70000/)),
  cli('app --config of a missing file', ['app', '--config', 'nope.yaml'], fail(/config file .*nope\.yaml does not exist/)),
  cli('app with a mistyped option', ['app', '--hots', '0.0.0.0'], usage(/unknown option '--hots' \(Did you mean --host\?\)/)),
]);
