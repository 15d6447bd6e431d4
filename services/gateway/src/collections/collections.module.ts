import { Module } from '@nestjs/common';
import { CollectionExtrasController } from './collection-extras.controller.js';
import { CollectionExtrasService } from './collection-extras.service.js';
import { CollectionsController } from './collections.controller.js';
import { CollectionsService } from './collections.service.js';

/**
 * Tenants, databases and collections (with forks, indexing status, CRN lookup). Exports
 * CollectionsService: record routes resolve collections and read at the log's end through it.
 */
@Module({
  controllers: [CollectionsController, CollectionExtrasController],
  providers: [CollectionsService, CollectionExtrasService],
  exports: [CollectionsService],
})
export class CollectionsModule {}
