/**
 * cloudbench public API. The CLI and the notebooks use only what is exported here.
 */
export { VERSION } from './version';
export { UserError } from './errors';

// Boundary types
export type * from './targets/types';
export type * from './config/targets';
export type { Detection, ScoringResponse } from './protocol/scoring';
export { boxIoU } from './protocol/scoring';

// Targets: storage and inference adapters, built from config
export { createS3Store } from './targets/s3-store';
export { createAzureBlobStore } from './targets/azure-blob-store';
export { createObjectStore, createInferenceEndpoint } from './targets/factory';
export { createSageMakerEndpoint } from './targets/sagemaker-endpoint';
export { createAzureMlEndpoint, createHttpEndpoint } from './targets/azureml-endpoint';

// Embedded local stack
export {
  startLocalStack,
  startDetachedStack,
  stopDetachedStack,
  readStackState,
  probeStack,
  type LocalStack,
  type LocalStackConfig,
  type LocalStackOptions,
  type StackState,
} from './local/stack';
export { localPlatforms } from './local/platforms';

// Datasets
export * from './datasets';

// Experiment config and engine
export {
  parseExperimentConfig,
  loadExperimentConfig,
  localDemoConfig,
  ALL_LOCAL_PLATFORMS,
  configHash,
  redactSecrets,
  ConfigError,
  PHASES,
  type ExperimentConfig,
  type Phase,
  type RunOrder,
  type PlatformSpec,
} from './config/experiment';
export { runExperiment, RunStoppedError, type RunEvent, type RunOptions, type RunResult } from './experiment/runner';
export { loadRun, type LoadedRun } from './experiment/load-run';
export { readLoadSteps, readLoadRequests, LOAD_FILES } from './experiment/load/load-store';
export { LOAD_PARQUET_COLUMNS } from './experiment/load/load-parquet-schema';
export { capacityOf, type LoadEvent } from './experiment/load/load-scenario';
export { parseLoadConfig, searchRates, LOAD_DEFAULTS, type LoadConfig, type LoadConfigInput } from './config/load';
export type * from './schema/load-records';
export { LatencyHistogram } from './schema/latency-histogram';
export { AUTOSCALE_DEFAULTS, type AutoscalePolicy } from './local/autoscale-policy';
export { describeLoadStep } from './cli/load-progress';
export { resolvePlatforms } from './experiment/platforms';
export { listRuns, type RunListing } from './experiment/run-list';
export { RunIntegrityError, type ReadRunOptions } from './experiment/run-store';
export { readManifest } from './experiment/run-folder';
export { readRun, readRunSummary, type RunData, type RunSummaryData, type RequestStoreKind } from './experiment/run-reader';
export { sealRunFolder, type SealResult } from './experiment/request-store/seal-run';
export { PARQUET_COLUMNS, PARTITION_COLUMNS } from './experiment/request-store/parquet-schema';
export type { StepCell, LatencyDigest } from './schema/request-summary';
export { MIB, BATCH_COLUMNS, isMeasured, measuredBatches, shownBatch, type BatchRow, type RequestRow } from './schema/records';
export { BATCH_METRICS, type BatchMetricKey } from './schema/metrics';
export { batchMetrics, phaseSeconds } from './experiment/records';
export type { RunManifest } from './experiment/manifest';
export { summarizeBatches } from './analysis/batch-summary';
export { batchPoints, batchViews, latencyCurve } from './analysis/figure-data';
export { LATENCY_CURVE_STEPS, LATENCY_PROBABILITIES } from './analysis/request-stats';

// Statistics
export * from './analysis/stats';
export { mulberry32 } from './random';

// Charts: Vega-Lite spec builders (the report's figures), usable in notebooks
export * from './report/charts';
export { renderSvg } from './report/render-svg';

// Notebooks: display helpers and headless execution
export { tableHtml, chartSvg, showTable, showChart, showReport, showReportTable, reportTableOutputHtml, showFigure, showParagraphs, paragraphText, type TableOptions } from './notebook/display';
export { runNotebook, NotebookError, type NotebookRunResult, type RunNotebookOptions } from './notebook/run-notebook';
export { parseParameterArgs, injectParameters } from './notebook/parameters';

// Analysis: verdicts, costs, requirements
export { analyzeRun, writeAnalysisJson, findNonJsonNumber, ANALYSIS_FILE, DEFAULT_ALPHA, DEFAULT_BOOTSTRAP, type AnalyzeInput, type AnalyzeOptions } from './analysis/analyze-run';
export type * from './analysis/model';
export { compareMetrics, type CompareOptions } from './analysis/metric-comparison';
export { buildCostModel, inferenceRate, type CostInputs } from './analysis/cost-model';
export { loadPricing, parsePricing, type Pricing, type PlatformPricing } from './analysis/pricing';
export { loadPlatformFacts, parsePlatformFacts, capabilityMatrix, type PlatformFacts } from './analysis/platform-facts';
export { loadRequirements, parseRequirements, scoreRequirements, SCORING_RULE, type Requirements, type RequirementSpec } from './analysis/requirements';
export { loadStudyReference, parseStudyReference } from './analysis/study-reference';
export { defaultTemplatesDir, TEMPLATE_FILES } from './analysis/template-files';
export { latencyTable, failureTable } from './analysis/request-stats';
export { analyzeLoad, type LoadInputs } from './analysis/load-analysis';
export { fisherExactTwoSided } from './analysis/fisher-exact';
export { countExclusions } from './analysis/batch-exclusions';
export { copyTemplates, setRequirementWeights, type WeightChanges } from './analysis/template-edit';
// Run versus run: benchstat-style comparison, and the history of a configuration
export { analysisOf, readAnalysisJson, type RunAnalysis } from './analysis/analyze-run';
export { verdictLine, evidenceReason } from './report/verdict-text';
export { compareRuns, type CompareRunsOptions, type RunComparison, type ChangeRow, type Change, type ComparedRun, type ConfigDifference, type ChangeVerdict } from './analysis/compare';
export { runHistory, type RunHistory, type HistoryGroup, type HistorySeries, type HistoryPoint, type HistoryOptions } from './analysis/history';

// Report: typed model → HTML (self-contained) → PDF
export {
  renderReport, REPORT_FILES, buildReportModel, studyLabelOf, renderHtml, htmlToPdf, findBrowser, launchArgs,
  BrowserNotFoundError, loadTemplate, defaultTemplateDir as defaultReportTemplateDir, allTables, allFigures,
  paragraphHtml, tableHtml as reportTableHtml, figureHtml as reportFigureHtml,
  type RenderReportOptions, type RenderReportResult, type ReportFormat, type BrowserFinder, type BrowserLocation,
  type ReportModelOptions, type ReportTemplate,
  buildCompareDocument, buildHistoryDocument, renderDocumentHtml, writeDocument, documentTables, documentFigures,
  type ReportDocument, type DocumentSection, type DocumentBlock, type WrittenDocument,
} from './report';
export type * from './report/report-model';
