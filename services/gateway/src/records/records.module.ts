import { Module } from '@nestjs/common';
import { CollectionsModule } from '../collections/collections.module.js';
import { RecordsController } from './records.controller.js';
import { RecordsService } from './records.service.js';

/** Record writes and reads (add, upsert, update, delete, get, query, count). */
@Module({
  imports: [CollectionsModule],
  controllers: [RecordsController],
  providers: [RecordsService],
})
export class RecordsModule {}
