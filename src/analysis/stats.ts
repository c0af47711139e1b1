/** Public entry point of the statistics toolkit: everything the report needs. */
export * from './special-functions';
export * from './descriptive';
export * from './rank';
export * from './kruskal-wallis';
export * from './mann-whitney';
export * from './effect-size';
export * from './bootstrap';
export * from './holm';
